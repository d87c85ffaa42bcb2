//! The search form. The river's header (the HTML chrome) shows it empty
//! and the search page filled in: it sits below both, so that the search
//! page can build on the chrome without the chrome reaching back into the
//! search page for its form.

use std::fmt::Write as _;

use super::FeedMeta;
use super::markup::escape;

/// The longest query the form lets through; the server refuses longer ones.
pub const MAX_QUERY_CHARS: usize = 200;

/// The search form (GET `search` below the site's root URL, whatever topic
/// the page is about), with `query` filled in and the topic kept in a
/// hidden field.
pub(super) fn form(meta: &FeedMeta, query: &str, topic: Option<&str>) -> String {
    let mut form = format!(
        "<form class=\"search\" role=\"search\" method=\"get\" action=\"{}\">\n\
         <input type=\"search\" name=\"q\" value=\"{}\" maxlength=\"{MAX_QUERY_CHARS}\" \
         placeholder=\"Search stories\" aria-label=\"Search stories\">\n",
        escape(&format!("{}search", meta.root_url)),
        escape(query),
    );
    if let Some(topic) = topic {
        let _ = writeln!(
            form,
            "<input type=\"hidden\" name=\"topic\" value=\"{}\">",
            escape(topic)
        );
    }
    form.push_str("<button type=\"submit\">Search</button>\n</form>\n");
    form
}
