use super::*;

/// Status, Content-Type and body, as a client sees them.
async fn rendered(error: ServerError) -> (StatusCode, String, String) {
    let response = error.into_response();
    let status = response.status();
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    (
        status,
        content_type,
        String::from_utf8(body.to_vec()).unwrap(),
    )
}

#[tokio::test]
async fn each_failure_answers_in_plain_text_with_its_status() {
    let plain = "text/plain; charset=utf-8".to_owned();
    assert_eq!(
        rendered(ServerError::BadRequest("page must be 1".to_owned())).await,
        (
            StatusCode::BAD_REQUEST,
            plain.clone(),
            "page must be 1\n".to_owned()
        )
    );
    assert_eq!(
        rendered(ServerError::NotFound).await,
        (
            StatusCode::NOT_FOUND,
            plain.clone(),
            "not found\n".to_owned()
        )
    );
    assert_eq!(
        rendered(ServerError::Unavailable(store::Error::WriteLost)).await,
        (
            StatusCode::SERVICE_UNAVAILABLE,
            plain.clone(),
            "database unavailable\n".to_owned()
        )
    );
    // The cause goes to the log, never to the client.
    assert_eq!(
        rendered(ServerError::Store(store::Error::Crashed("boom".to_owned()))).await,
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            plain,
            "internal error; see the daemon's log\n".to_owned()
        )
    );
}

#[tokio::test]
async fn every_error_answer_forbids_sniffing() {
    let errors = [
        ServerError::BadRequest("unknown topic <script>".to_owned()),
        ServerError::NotFound,
        ServerError::Unavailable(store::Error::WriteLost),
        ServerError::Store(store::Error::Crashed("boom".to_owned())),
    ];
    for error in errors {
        let shown = format!("{error:?}");
        let response = error.into_response();
        assert_eq!(
            response
                .headers()
                .get(header::X_CONTENT_TYPE_OPTIONS)
                .and_then(|v| v.to_str().ok()),
            Some("nosniff"),
            "{shown}"
        );
    }
}
