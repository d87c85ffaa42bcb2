//! Several nodes on one store: claims on due feeds, the shared plan, and
//! the change count every node watches.

use chrono::{DateTime, Duration, Utc};
use url::Url;

use super::backend::contract;
use crate::store::Claim;

fn at(seconds: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_800_000_000 + seconds, 0).unwrap()
}

contract!(fn one_node_polls_a_due_feed_and_the_others_wait_for_its_plan_or_its_lease(db) {
    let (mut a, mut b) = (db.open(), db.open());
    let url = Url::parse("https://news.example/feed.xml").unwrap();
    let feed = a.ensure_feed(&url, None, at(0)).unwrap().id;
    let lease = Duration::seconds(120);

    // Never planned: due. The first claim wins, the second hears who holds it.
    assert_eq!(
        a.claim_feed(&url, "a", at(0), at(0) + lease).unwrap(),
        Claim::Won
    );
    assert_eq!(
        b.claim_feed(&url, "b", at(1), at(1) + lease).unwrap(),
        Claim::Held {
            node: "a".to_owned(),
            until: at(0) + lease
        }
    );
    // A node may renew its own claim.
    assert_eq!(
        a.claim_feed(&url, "a", at(2), at(2) + lease).unwrap(),
        Claim::Won
    );

    // Planning the next poll ends the claim: the feed is not due until then.
    a.set_next_fetch(feed, at(900)).unwrap();
    assert_eq!(
        b.claim_feed(&url, "b", at(3), at(3) + lease).unwrap(),
        Claim::NotDue { next: at(900) }
    );
    // At the planned time, whoever asks first polls it.
    assert_eq!(
        b.claim_feed(&url, "b", at(900), at(900) + lease).unwrap(),
        Claim::Won
    );
    assert!(matches!(
        a.claim_feed(&url, "a", at(900), at(900) + lease).unwrap(),
        Claim::Held { .. }
    ));

    // "b" dies mid-poll: its claim runs out, and then "a" polls the feed.
    assert!(matches!(
        a.claim_feed(&url, "a", at(1019), at(1019) + lease).unwrap(),
        Claim::Held { .. }
    ));
    assert_eq!(
        a.claim_feed(&url, "a", at(1020), at(1020) + lease).unwrap(),
        Claim::Won
    );
});

contract!(fn every_node_sees_the_change_count_move(db) {
    let (mut a, b) = (db.open(), db.open());
    let before = b.change_count().unwrap();
    let marked = a.mark_changed().unwrap();
    assert_eq!(marked, before + 1);
    assert_eq!(b.change_count().unwrap(), marked);
    assert_eq!(a.mark_changed().unwrap(), marked + 1);
});

contract!(fn a_faster_schedule_brings_the_stored_plan_forward_and_dead_claims_can_be_ended(db) {
    let (mut a, mut b) = (db.open(), db.open());
    let url = Url::parse("https://news.example/feed.xml").unwrap();
    let feed = a.ensure_feed(&url, None, at(0)).unwrap().id;
    a.set_next_fetch(feed, at(3600)).unwrap();
    // Later than planned: no change.
    b.plan_feed(&url, at(7200)).unwrap();
    assert_eq!(
        b.claim_feed(&url, "b", at(10), at(130)).unwrap(),
        Claim::NotDue { next: at(3600) }
    );
    b.plan_feed(&url, at(60)).unwrap();
    assert_eq!(
        b.claim_feed(&url, "b", at(60), at(180)).unwrap(),
        Claim::Won
    );
    assert_eq!(a.claim_holders().unwrap(), vec!["b".to_owned()]);

    // "b" died: ending its claims lets "a" poll at once.
    assert_eq!(a.release_claims("b").unwrap(), 1);
    assert_eq!(
        a.claim_feed(&url, "a", at(61), at(181)).unwrap(),
        Claim::Won
    );
    assert!(a.claim_holders().unwrap() == vec!["a".to_owned()]);
});
