//! Dependencies going down and coming back, on private instances (never the shared ones).

use std::time::{Duration, Instant};

use kartei_tests::services::{PrivatePostgres, PrivateRedis};
use kartei_tests::{PASSWORD, Redis, spawn_app_on};
use serde_json::json;

/// Generous bound that only catches a hang; the speed itself is not asserted.
const NO_HANG: Duration = Duration::from_secs(10);

#[tokio::test]
async fn redis_down_gives_unavailable_fast_and_recovers() {
    let mut redis = PrivateRedis::start().await;
    // Short enough to fail well within NO_HANG, long enough that the set-up's first calls (a
    // new connection, the scripts loaded) pass on a loaded machine: 500 ms failed a sign-up
    // there.
    let app = spawn_app_on(Redis::Shared, Some(redis.url()), None, |s| {
        s.redis.timeout_ms = 2_000
    })
    .await;
    let a = app.sign_up().await;

    redis.stop();
    let started = Instant::now();
    let r = tokio::time::timeout(NO_HANG, app.login(&a.email, PASSWORD))
        .await
        .expect("login hung");
    assert_eq!(r.code(), Some("UNAVAILABLE"), "{}", r.body);
    assert_eq!(r.status.as_u16(), 503);
    let r = tokio::time::timeout(
        NO_HANG,
        app.gql(
            "mutation($t: String!) { refresh(input: {refreshToken: $t}) { accessToken } }",
            json!({"t": a.refresh}),
            None,
            None,
        ),
    )
    .await
    .expect("refresh hung");
    assert_eq!(r.code(), Some("UNAVAILABLE"));
    let (s, body) = app.get("/readyz").await;
    assert_eq!(s.as_u16(), 503);
    assert_eq!(body["checks"]["redis"], "down");
    eprintln!("redis down: answered in {:?}", started.elapsed());

    redis.resume().await;
    let mut ok = false;
    for _ in 0..40 {
        let r = app.login(&a.email, PASSWORD).await;
        if r.body["errors"].is_null() {
            ok = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(ok, "login did not recover after Redis came back");
    // The old refresh token died with the old Redis (no persistence); a fresh login works.
    let l = app.login(&a.email, PASSWORD).await;
    let refresh = l.data()["login"]["refreshToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = app
        .gql(
            "mutation($t: String!) { refresh(input: {refreshToken: $t}) { accessToken } }",
            json!({"t": refresh}),
            None,
            None,
        )
        .await;
    assert!(r.body["errors"].is_null(), "{}", r.body);
}

#[tokio::test]
async fn postgres_down_is_reported_fails_fast_and_recovers_without_restart() {
    let pg = PrivatePostgres::start().await;
    let app = spawn_app_on(Redis::Memory, None, Some(pg.url()), |s| {
        // As above: within NO_HANG, and no failure of the set-up on a loaded machine.
        s.database.acquire_timeout_ms = 3_000
    })
    .await;
    let a = app.sign_up().await;
    let me = "{ me { email } }";
    assert!(app.gql(me, json!({}), Some(&a.access), None).await.body["errors"].is_null());

    pg.stop();
    let (s, body) = tokio::time::timeout(NO_HANG, app.get("/readyz"))
        .await
        .expect("readyz hung");
    assert_eq!(s.as_u16(), 503);
    assert_eq!(body["checks"]["postgres"], "down");
    let r = tokio::time::timeout(NO_HANG, app.gql(me, json!({}), Some(&a.access), None))
        .await
        .expect("request hung");
    assert_eq!(r.code(), Some("UNAVAILABLE"), "{}", r.body);
    assert!(
        !r.body.to_string().contains("Connection refused"),
        "leaked a driver message: {}",
        r.body
    );

    pg.resume().await;
    let mut ready = false;
    for _ in 0..40 {
        if app.get("/readyz").await.0.as_u16() == 200 {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(ready, "/readyz did not recover");
    assert!(app.gql(me, json!({}), Some(&a.access), None).await.body["errors"].is_null());
}
