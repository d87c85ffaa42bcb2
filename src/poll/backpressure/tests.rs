use super::*;

#[test]
fn a_body_takes_its_size_from_the_backlog_within_the_whole_budget() {
    assert_eq!(backlog_share(0), 1);
    assert_eq!(backlog_share(1), 1);
    assert_eq!(backlog_share(1025), 2);
    assert_eq!(backlog_share(usize::MAX), BACKLOG_KIB);
}
