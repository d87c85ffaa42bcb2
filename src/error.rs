//! How feedloom prints an error: the message and every cause on one line.
//! Every layer logs and reports errors through [`error_chain`], so a log
//! line, a CLI message and a feed's recorded failure read the same way.

/// The message and its causes on one line: "fetch failed: cannot connect: …".
pub fn error_chain(error: &dyn std::error::Error) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}
