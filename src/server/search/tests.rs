use super::*;

#[test]
fn search_parameters_are_bounded() {
    let ok = SearchParams::parse("q=sco+summit&page=2&topic=asia").unwrap();
    assert_eq!(
        ok,
        SearchParams {
            q: "sco summit".to_owned(),
            page: 2,
            topic: Some("asia".to_owned())
        }
    );
    let plain = SearchParams::parse("").unwrap();
    assert_eq!((plain.q.as_str(), plain.page, plain.topic), ("", 1, None));
    assert_eq!(SearchParams::parse("q=x&page=").unwrap().page, 1);
    assert_eq!(SearchParams::parse("q=%ZZ&q=second").unwrap().q, "%ZZ");
    for bad in [
        "page=0",
        "page=51",
        "page=-1",
        "page=two",
        "page=99999999999999999999999",
    ] {
        let error = SearchParams::parse(bad).unwrap_err();
        assert!(error.contains("page must be"), "{bad}: {error}");
    }
    let long = format!("q={}", "é".repeat(201));
    assert!(SearchParams::parse(&long).unwrap_err().contains("too long"));
    assert!(SearchParams::parse(&format!("q={}", "é".repeat(200))).is_ok());
}
