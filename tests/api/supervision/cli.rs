//! `dutyledger scheme load`.

use clap::Parser as _;
use dutyledger_domain::scheme::SHIPPED;
use dutyledger_tests::database_url_of;
use sqlx::PgPool;

#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn scheme_load_publishes_a_file_once(pool: PgPool) {
    let url = database_url_of(&pool);
    let dir = std::env::temp_dir().join(format!("scheme-load-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let file = dir.join("linyi-3-16.json");
    std::fs::write(&file, SHIPPED[1].1).expect("write");
    let bad = dir.join("bad.json");
    std::fs::write(&bad, r#"{"name": "x", "total": 10, "indicators": [{"id": "a", "name": "a", "kind": "CORE", "weight": 9, "rule": {"type": "manual"}}]}"#).expect("write");
    let run = |file: &std::path::Path| {
        let args = vec![
            "dutyledger".to_owned(),
            "--database-url".to_owned(),
            url.clone(),
            "scheme".to_owned(),
            "load".to_owned(),
            file.display().to_string(),
        ];
        async move {
            dutyledger_api::cli::run(dutyledger_api::cli::Cli::try_parse_from(args).expect("args"))
                .await
        }
    };
    run(&file).await.expect("first load");
    run(&file).await.expect("second load");
    let versions: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM events WHERE aggregate_type = 'indicator_scheme' AND aggregate_id = 'linyi-3-16'",
    )
    .fetch_one(&pool)
    .await
    .expect("count");
    assert_eq!(versions, 1, "the same content twice: one version");
    let err = run(&bad).await.expect_err("refused");
    assert!(err.to_string().contains("not loaded"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
