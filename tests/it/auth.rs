//! Tokens, sessions and login limits.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use kartei_tests::{JWT_SECRET, PASSWORD, Redis, spawn_app, spawn_app_with};
use serde_json::json;

const ME: &str = "{ me { email } }";

fn token(alg: Algorithm, secret: &str, kid: Option<String>, claims: serde_json::Value) -> String {
    let mut h = Header::new(alg);
    h.kid = kid;
    jsonwebtoken::encode(&h, &claims, &EncodingKey::from_secret(secret.as_bytes())).unwrap()
}

#[tokio::test]
async fn bad_access_tokens_are_unauthenticated() {
    let app = spawn_app().await;
    let acct = app.sign_up().await;
    let ok = app.gql(ME, json!({}), Some(&acct.access), None).await;
    assert_eq!(ok.data()["me"]["email"], json!(acct.email));

    // Take the real claims so only the property under test differs.
    let payload: serde_json::Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(acct.access.split('.').nth(1).unwrap())
            .unwrap(),
    )
    .unwrap();
    let kid = Some(kartei_auth::jwt::key_id(JWT_SECRET));
    let with = |k: &str, v: serde_json::Value| {
        let mut c = payload.clone();
        c[k] = v;
        c
    };
    let now = chrono::Utc::now().timestamp();
    let mut tampered = acct.access.clone();
    let last = tampered.pop().unwrap();
    tampered.push(if last == 'A' { 'B' } else { 'A' });
    let none = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#),
        URL_SAFE_NO_PAD.encode(payload.to_string())
    );
    let cases = [
        (
            "expired",
            token(
                Algorithm::HS256,
                JWT_SECRET,
                kid.clone(),
                with("exp", json!(now - 120)),
            ),
        ),
        ("tampered signature", tampered),
        ("alg none", none),
        (
            "wrong algorithm",
            token(Algorithm::HS512, JWT_SECRET, kid.clone(), payload.clone()),
        ),
        (
            "wrong audience",
            token(
                Algorithm::HS256,
                JWT_SECRET,
                kid.clone(),
                with("aud", json!("someone-else")),
            ),
        ),
        (
            "wrong issuer",
            token(
                Algorithm::HS256,
                JWT_SECRET,
                kid.clone(),
                with("iss", json!("evil")),
            ),
        ),
        (
            "wrong key",
            token(
                Algorithm::HS256,
                "another-secret-another-secret-12345678",
                kid.clone(),
                payload.clone(),
            ),
        ),
        (
            "no kid",
            token(Algorithm::HS256, JWT_SECRET, None, payload.clone()),
        ),
        ("garbage", "not.a.jwt".to_owned()),
    ];
    for (what, t) in cases {
        let r = app.gql(ME, json!({}), Some(&t), None).await;
        assert_eq!(r.code(), Some("UNAUTHENTICATED"), "{what}: {}", r.body);
    }
    let r = app.gql(ME, json!({}), None, None).await;
    assert_eq!(r.code(), Some("UNAUTHENTICATED"));
}

const REFRESH: &str =
    "mutation($t: String!) { refresh(input: {refreshToken: $t}) { accessToken refreshToken } }";

#[tokio::test]
async fn refresh_rotates_and_reuse_revokes_the_family() {
    let app = spawn_app().await;
    let acct = app.sign_up().await;
    let r1 = app
        .gql(REFRESH, json!({"t": acct.refresh}), None, None)
        .await;
    let access2 = r1.data()["refresh"]["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let refresh2 = r1.data()["refresh"]["refreshToken"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(refresh2, acct.refresh);
    assert!(app.gql(ME, json!({}), Some(&access2), None).await.body["errors"].is_null());

    // The first token again: reuse. The whole family dies, including the newer tokens.
    let reuse = app
        .gql(REFRESH, json!({"t": acct.refresh}), None, None)
        .await;
    assert_eq!(reuse.code(), Some("UNAUTHENTICATED"));
    let after = app.gql(REFRESH, json!({"t": refresh2}), None, None).await;
    assert_eq!(after.code(), Some("UNAUTHENTICATED"));
    assert_eq!(
        app.gql(ME, json!({}), Some(&access2), None).await.code(),
        Some("UNAUTHENTICATED")
    );
    // A fresh login is unaffected.
    assert!(app.login(&acct.email, PASSWORD).await.body["errors"].is_null());
}

#[tokio::test]
async fn logout_password_change_and_logout_everywhere_end_sessions() {
    let app = spawn_app_with(Redis::Memory, None, |_| {}).await;
    let a = app.sign_up().await;
    let l = app.login(&a.email, PASSWORD).await;
    let other = l.data()["login"]["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();

    let r = app
        .gql("mutation($c: String!, $n: String!) { changePassword(input: {currentPassword: $c, newPassword: $n}) { endedSessions userErrors { field message code } } }",
             json!({"c": PASSWORD, "n": "Blaue Berge 9 im Juni"}), Some(&a.access), None)
        .await;
    assert_eq!(
        r.data()["changePassword"]["endedSessions"],
        json!(1),
        "{}",
        r.body
    );
    assert_eq!(
        app.gql(ME, json!({}), Some(&other), None).await.code(),
        Some("UNAUTHENTICATED")
    );
    assert!(app.gql(ME, json!({}), Some(&a.access), None).await.body["errors"].is_null());
    assert_eq!(
        app.login(&a.email, PASSWORD).await.code(),
        Some("UNAUTHENTICATED")
    );

    let r = app
        .gql(
            "mutation { logout { loggedOut } }",
            json!({}),
            Some(&a.access),
            None,
        )
        .await;
    assert_eq!(r.data()["logout"]["loggedOut"], json!(true));
    assert_eq!(
        app.gql(ME, json!({}), Some(&a.access), None).await.code(),
        Some("UNAUTHENTICATED")
    );

    let s1 = app.login(&a.email, "Blaue Berge 9 im Juni").await;
    let s2 = app.login(&a.email, "Blaue Berge 9 im Juni").await;
    let t1 = s1.data()["login"]["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let t2 = s2.data()["login"]["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = app
        .gql(
            "mutation { logoutEverywhere { endedSessions } }",
            json!({}),
            Some(&t1),
            None,
        )
        .await;
    assert_eq!(r.data()["logoutEverywhere"]["endedSessions"], json!(2));
    assert_eq!(
        app.gql(ME, json!({}), Some(&t2), None).await.code(),
        Some("UNAUTHENTICATED")
    );
}

#[tokio::test]
async fn repeated_bad_logins_are_limited() {
    let app = spawn_app().await;
    let a = app.sign_up().await;
    let mut limited = None;
    for i in 0..30 {
        let r = app.login(&a.email, "Falsches Passwort 1").await;
        match r.code() {
            Some("UNAUTHENTICATED") => continue,
            Some("RATE_LIMITED") => {
                limited = Some((i, r));
                break;
            }
            other => panic!("unexpected {other:?}: {}", r.body),
        }
    }
    let (attempt, r) = limited.expect("bad logins were never limited");
    assert!(attempt >= 5, "limited too early, at attempt {attempt}");
    assert_eq!(r.status.as_u16(), 429);
    let retry: u64 = r.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!(retry >= 1);
    assert!(
        r.body["errors"][0]["extensions"]["retryAfter"]
            .as_u64()
            .is_some()
    );
    // Even the right password is refused while limited: that is the point.
    assert_eq!(
        app.login(&a.email, PASSWORD).await.code(),
        Some("RATE_LIMITED")
    );
}

#[tokio::test]
async fn api_calls_are_limited_per_user_and_tenant_with_headers() {
    let app = spawn_app_with(Redis::Shared, None, |s| {
        // One token per 10 s: no refill between the test's requests, however slow the machine.
        s.limits.api_per_minute = 6;
        s.limits.api_burst = 5;
    })
    .await;
    let a = app.sign_up().await;
    let mut statuses = Vec::new();
    let mut last = None;
    for _ in 0..7 {
        let r = app.gql(ME, json!({}), Some(&a.access), None).await;
        statuses.push(r.status.as_u16());
        last = Some(r);
    }
    assert_eq!(statuses, vec![200, 200, 200, 200, 200, 429, 429]);
    let r = last.unwrap();
    assert_eq!(r.code(), Some("RATE_LIMITED"));
    assert_eq!(r.headers["ratelimit-limit"], "5");
    assert_eq!(r.headers["ratelimit-remaining"], "0");
    assert!(r.headers.contains_key("retry-after"));

    // A made-up tenant header per request is no fresh bucket (issue 17, finding 2: it was).
    let b = app.sign_up().await;
    let mut statuses = Vec::new();
    for _ in 0..7 {
        let fake = uuid::Uuid::new_v4().to_string();
        let r = app.gql(ME, json!({}), Some(&b.access), Some(&fake)).await;
        statuses.push(r.status.as_u16());
    }
    assert_eq!(statuses, vec![200, 200, 200, 200, 200, 429, 429]);
}

/// The session check and the rate limit are one store round trip: a live session counts under
/// the user's key, a dead or foreign one under the anonymous key. Both stores, Redis for real.
#[tokio::test]
async fn session_and_rate_limit_are_checked_together() {
    use kartei_auth::ratelimit::Limit;
    use kartei_auth::store::{SessionRate, Store};
    use std::time::Duration;

    let prefix = format!("test:{}:", uuid::Uuid::new_v4());
    let redis = Store::redis(&kartei_tests::redis_url(), &prefix, Duration::from_secs(2))
        .await
        .unwrap();
    for store in [redis, Store::memory()] {
        let (user, anon) = (Limit::per_minute(60, 3), Limit::per_minute(60, 1));
        store
            .session_create(
                "s1",
                "u1",
                "h",
                Duration::from_secs(60),
                Duration::from_secs(60),
            )
            .await
            .unwrap();
        let mut epochs = Vec::new();
        for remaining in [2, 1, 0] {
            let SessionRate {
                owner,
                decision: d,
                access_epoch,
            } = store
                .session_rate("s1", "u1", ("user:u1", user), ("anon:ip", anon))
                .await
                .unwrap();
            epochs.push(access_epoch);
            assert_eq!(owner.as_deref(), Some("u1"), "{}", store.kind());
            assert!(d.allowed, "{}", store.kind());
            assert_eq!(d.remaining, remaining, "{}", store.kind());
        }
        assert!(
            epochs.windows(2).all(|w| w[0] == w[1]),
            "the access epoch stays while nothing changes ({})",
            store.kind()
        );
        store.access_changed().await.unwrap();
        let SessionRate {
            decision: d,
            access_epoch,
            ..
        } = store
            .session_rate("s1", "u1", ("user:u1", user), ("anon:ip", anon))
            .await
            .unwrap();
        assert!(!d.allowed, "the user's burst is spent ({})", store.kind());
        assert_ne!(
            Some(&access_epoch),
            epochs.last(),
            "a change of access renews the epoch ({})",
            store.kind()
        );

        // Someone else's session, or none: counted as anonymous, whose burst is one.
        for (sid, uid) in [("s1", "u2"), ("gone", "u1")] {
            let SessionRate {
                owner, decision: d, ..
            } = store
                .session_rate(sid, uid, (&format!("user:{uid}"), user), ("anon:ip", anon))
                .await
                .unwrap();
            assert_ne!(owner.as_deref(), Some(uid), "{}", store.kind());
            assert_eq!(d.limit, 1, "the anonymous limit applies ({})", store.kind());
            if sid == "s1" {
                assert!(d.allowed, "{}", store.kind());
            } else {
                assert!(
                    !d.allowed,
                    "the anonymous burst is spent ({})",
                    store.kind()
                );
            }
        }
    }
}

/// Issue 17, finding 7: anyone who knew a session id (the `sid` claim, the refresh token's
/// prefix) could end that session with `refresh("<sid>.garbage")`. Only a token the session
/// issued before counts as reuse; a made-up one is refused and revokes nothing. Redis for real.
#[tokio::test]
async fn a_made_up_refresh_token_cannot_end_someone_elses_session() {
    let app = spawn_app_with(Redis::Shared, None, |_| {}).await;
    let a = app.sign_up().await;
    let refresh =
        "mutation($t: String!) { refresh(input: {refreshToken: $t}) { accessToken refreshToken } }";
    let sid = a.refresh.split_once('.').unwrap().0;
    let forged = format!("{sid}.garbage");
    let r = app.gql(refresh, json!({"t": forged}), None, None).await;
    assert_eq!(r.code(), Some("UNAUTHENTICATED"), "{}", r.body);
    // The victim's session is untouched: its access token works and its refresh token rotates.
    let me = app.gql(ME, json!({}), Some(&a.access), None).await;
    assert_eq!(me.data()["me"]["email"], json!(a.email), "{}", me.body);
    let r = app.gql(refresh, json!({"t": a.refresh}), None, None).await;
    assert!(r.body["errors"].is_null(), "{}", r.body);
    let next = r.data()["refresh"]["refreshToken"]
        .as_str()
        .unwrap()
        .to_owned();
    // A real reuse (the token just exchanged) still ends the whole family.
    let r = app.gql(refresh, json!({"t": a.refresh}), None, None).await;
    assert_eq!(r.code(), Some("UNAUTHENTICATED"), "{}", r.body);
    let r = app.gql(refresh, json!({"t": next}), None, None).await;
    assert_eq!(
        r.code(),
        Some("UNAUTHENTICATED"),
        "the family survived a reuse: {}",
        r.body
    );
}

/// Issue 17, finding 9: the per-account login limit counted before the password, so anyone's
/// wrong attempts locked the owner out. Now a stranger's failures spend their own buckets and
/// the account's, but the owner still logs in from where they logged in before; a new place
/// waits like the stranger (which still bounds guessing from many addresses).
#[tokio::test]
async fn a_strangers_bad_logins_do_not_lock_the_owner_out() {
    let app = spawn_app_with(Redis::Shared, None, |s| {
        s.http.trust_forwarded_for = true;
        s.limits.login_account_per_minute = 1;
        s.limits.login_account_burst = 3;
    })
    .await;
    let a = app.sign_up().await;
    let login = |ip: &'static str, password: &'static str| {
        let (url, email) = (app.url.clone(), a.email.clone());
        async move {
            let res = reqwest::Client::new()
                .post(format!("{url}/graphql"))
                .header("x-forwarded-for", ip)
                .json(&json!({
                    "query": "mutation($e: String!, $p: String!) { login(input: {email: $e, password: $p}) { accessToken } }",
                    "variables": {"e": email, "p": password}
                }))
                .send()
                .await
                .unwrap();
            let body: serde_json::Value = res.json().await.unwrap();
            body["errors"][0]["extensions"]["code"]
                .as_str()
                .unwrap_or("OK")
                .to_owned()
        }
    };
    assert_eq!(login("10.0.0.1", PASSWORD).await, "OK");
    let mut codes = Vec::new();
    for _ in 0..5 {
        codes.push(login("10.0.0.66", "Falsches Passwort 1").await);
    }
    assert_eq!(
        codes.last().map(String::as_str),
        Some("RATE_LIMITED"),
        "{codes:?}"
    );
    // The owner, from where they logged in before, is not locked out.
    assert_eq!(login("10.0.0.1", PASSWORD).await, "OK");
    // Somewhere new waits until the account's limit refills.
    assert_eq!(login("10.0.0.77", PASSWORD).await, "RATE_LIMITED");
}

/// Issue 17, finding 12: a refresh extended a session forever. A session now ends at its
/// absolute lifetime however often it is refreshed; Redis for real, and the in-process store.
#[tokio::test]
async fn refreshing_does_not_extend_a_session_past_its_absolute_lifetime() {
    use kartei_auth::store::{Rotation, Store};
    use std::time::Duration;

    let prefix = format!("test:{}:", uuid::Uuid::new_v4());
    let redis = Store::redis(&kartei_tests::redis_url(), &prefix, Duration::from_secs(2))
        .await
        .unwrap();
    let idle = Duration::from_secs(600);
    for store in [redis, Store::memory()] {
        store
            .session_create("s", "u", "r1", idle, Duration::from_secs(3))
            .await
            .unwrap();
        assert_eq!(
            store.session_rotate("s", "r1", "r2", idle).await.unwrap(),
            Rotation::Rotated("u".into()),
            "{}",
            store.kind()
        );
        tokio::time::sleep(Duration::from_millis(3500)).await;
        assert_eq!(
            store.session_rotate("s", "r2", "r3", idle).await.unwrap(),
            Rotation::Unknown,
            "{}: the refresh outlived the session's absolute lifetime",
            store.kind()
        );
        assert_eq!(
            store.session_user("s").await.unwrap(),
            None,
            "{}",
            store.kind()
        );
    }
}
