//! What every rendered page says about where it stands (its title, its own
//! and its topic's URL, the other topics to navigate to): the feeds, the
//! river, story pages and search pages build it the same way, here.

use super::error::ServerError;
use super::kind::Kind;
use crate::config::{Config, Topic};
use crate::publish::{self, FeedMeta};
use crate::store::StoredStory;

/// Every topic's title and river, default first: the pages' navigation.
pub(super) fn topic_links(config: &Config) -> Vec<publish::html::TopicLink> {
    config
        .topics
        .iter()
        .map(|topic| publish::html::TopicLink {
            title: topic.title.clone(),
            url: config.topic_url(topic),
        })
        .collect()
}

pub(super) fn meta(
    config: &Config,
    topic: &Topic,
    kind: Kind,
    stories: &[StoredStory],
) -> Result<FeedMeta, ServerError> {
    let site_url = config.topic_url(topic);
    let self_url = site_url.join(kind.path())?;
    Ok(FeedMeta {
        title: topic.title.clone(),
        root_url: config.public_url.clone(),
        updated: stories
            .iter()
            .map(|story| story.changed_at)
            .max()
            .unwrap_or_default(),
        site_url,
        self_url,
    })
}
