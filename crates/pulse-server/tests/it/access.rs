//! Who may do what: every endpoint × {no credentials, a bad token, each role}; reps' numbers
//! exclude other reps' deals; sign-in, CSRF, the sign-in rate limit and the audit log.

use crate::{CUSTOMERS, DEALS, PASSWORD, Server};

/// `(method, path, content type, body)` of every endpoint that needs credentials.
fn endpoints() -> Vec<(&'static str, &'static str, &'static str, Vec<u8>)> {
    vec![
        ("GET", "/api/v1/status", "", Vec::new()),
        ("GET", "/api/v1/catalog", "", Vec::new()),
        ("GET", "/api/v1/metrics?from=2024-02-01&to=2024-03-01&metric=deals_won", "", Vec::new()),
        ("GET", "/api/v1/metrics/deals_won/records?period=2024-02", "", Vec::new()),
        ("POST", "/api/v1/records/customers", "text/csv", CUSTOMERS.as_bytes().to_vec()),
        ("GET", "/api/v1/audit", "", Vec::new()),
        ("GET", "/api/v1/accounts", "", Vec::new()),
        ("POST", "/api/v1/tokens", "application/json", br#"{"account":"analyst"}"#.to_vec()),
    ]
}

#[test]
fn the_authorization_matrix() {
    let server = Server::start();
    let ok = |status: u16| (200..300).contains(&status);
    // Expected success per role, in the order of `endpoints()`.
    let allowed: [(&str, [bool; 8]); 5] = [
        ("admin", [true; 8]),
        ("manager", [true, true, true, true, true, false, false, false]),
        ("analyst", [true, true, true, true, false, false, false, false]),
        ("ann", [true, true, true, true, false, false, false, false]),
        ("bob", [true, true, true, true, false, false, false, false]),
    ];
    for (index, (method, path, content_type, body)) in endpoints().into_iter().enumerate() {
        let anonymous = server.request(method, path, &[("Content-Type", content_type)], &body);
        assert_eq!(anonymous.status, 401, "{method} {path} without credentials");
        assert_eq!(anonymous.json()["error"]["code"], "unauthenticated");
        let bad = server.request(
            method,
            path,
            &[("Authorization", "Bearer pulse_0000"), ("Content-Type", content_type)],
            &body,
        );
        assert_eq!(bad.status, 401, "{method} {path} with a bad token");
        for (user, allowed) in &allowed {
            let response = server.as_user(user, method, path, content_type, &body);
            if allowed[index] {
                assert!(
                    ok(response.status),
                    "{user} {method} {path}: {} {}",
                    response.status,
                    String::from_utf8_lossy(&response.body)
                );
            } else {
                assert_eq!(response.status, 403, "{user} {method} {path}");
                assert_eq!(response.json()["error"]["code"], "forbidden");
            }
        }
    }
    // Without credentials: health, the OpenAPI document and its page.
    assert_eq!(server.request("GET", "/healthz", &[], b"").status, 200);
    let openapi = server.request("GET", "/api/openapi.json", &[], b"");
    assert_eq!(openapi.status, 200);
    assert!(openapi.json()["paths"]["/api/v1/metrics"].is_object());
    assert_eq!(server.request("GET", "/api/docs/", &[], b"").status, 200);
}

#[test]
fn reps_see_only_their_own_deals() {
    let server = Server::start();
    for (kind, body) in [("customers", CUSTOMERS), ("deals", DEALS)] {
        let response =
            server.as_user("manager", "POST", &format!("/api/v1/records/{kind}"), "text/csv", body.as_bytes());
        assert_eq!(response.status, 200, "{}", String::from_utf8_lossy(&response.body));
    }
    let won = |user: &str| {
        let response = server.as_user(
            user,
            "GET",
            "/api/v1/metrics?from=2024-02-01&to=2024-03-01&metric=deals_won,revenue_won,win_rate",
            "",
            b"",
        );
        assert_eq!(response.status, 200);
        let json = response.json();
        let value = |index: usize| json["metrics"][index]["values"][0]["value"].as_f64();
        (value(0), value(1), value(2))
    };
    // Everyone else: 3 won (a1, a2, b1) for 700 of 4 closed. ann: a1, a2 (300), both won. bob:
    // b1 won 400, b2 lost.
    assert_eq!(won("analyst"), (Some(3.0), Some(700.0), Some(75.0)));
    assert_eq!(won("ann"), (Some(2.0), Some(300.0), Some(100.0)));
    assert_eq!(won("bob"), (Some(1.0), Some(400.0), Some(50.0)));
    let records = server.as_user("bob", "GET", "/api/v1/metrics/deals_won/records?period=2024-02", "", b"").json();
    let ids: Vec<&str> =
        records["records"].as_array().unwrap().iter().map(|record| record["deal_id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["b1"]);
    // A rep sees no orders at all, even by segment.
    let revenue =
        server.as_user("ann", "GET", "/api/v1/metrics?from=2024-02-01&to=2024-03-01&metric=revenue", "", b"").json();
    assert_eq!(revenue["metrics"][0]["values"][0]["value"], 0.0);
}

#[test]
fn sign_in_sets_a_strict_cookie_and_writes_need_the_csrf_token() {
    let server = Server::start();
    let body = format!(r#"{{"name":"manager","password":"{PASSWORD}"}}"#);
    let signed = server.request("POST", "/api/v1/session", &[("Content-Type", "application/json")], body.as_bytes());
    assert_eq!(signed.status, 200, "{}", String::from_utf8_lossy(&signed.body));
    let cookie = signed.header("set-cookie").unwrap().to_owned();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && !cookie.contains("Secure"),
        "{cookie}"
    );
    let session = cookie.split(';').next().unwrap().to_owned();
    let csrf = signed.json()["csrf_token"].as_str().unwrap().to_owned();
    assert_eq!(server.request("GET", "/api/v1/status", &[("Cookie", &session)], b"").status, 200);
    let write =
        |headers: &[(&str, &str)]| server.request("POST", "/api/v1/records/customers", headers, CUSTOMERS.as_bytes());
    let refused = write(&[("Cookie", &session), ("Content-Type", "text/csv")]);
    assert_eq!((refused.status, refused.json()["error"]["code"].as_str()), (403, Some("csrf")));
    let wrong = write(&[("Cookie", &session), ("Content-Type", "text/csv"), ("X-CSRF-Token", "nope")]);
    assert_eq!(wrong.status, 403);
    let accepted = write(&[("Cookie", &session), ("Content-Type", "text/csv"), ("X-CSRF-Token", &csrf)]);
    assert_eq!(accepted.status, 200, "{}", String::from_utf8_lossy(&accepted.body));
    // Behind a TLS proxy the cookie is Secure.
    let secure = server.request(
        "POST",
        "/api/v1/session",
        &[("Content-Type", "application/json"), ("X-Forwarded-Proto", "https")],
        body.as_bytes(),
    );
    assert!(secure.header("set-cookie").unwrap().contains("Secure"));
    // Signing out ends the session.
    assert_eq!(
        server.request("DELETE", "/api/v1/session", &[("Cookie", &session), ("X-CSRF-Token", &csrf)], b"").status,
        204
    );
    assert_eq!(server.request("GET", "/api/v1/status", &[("Cookie", &session)], b"").status, 401);
}

#[test]
fn repeated_failed_sign_ins_are_rate_limited() {
    let server = Server::start();
    let attempt = |password: &str| {
        let body = format!(r#"{{"name":"analyst","password":"{password}"}}"#);
        server.request("POST", "/api/v1/session", &[("Content-Type", "application/json")], body.as_bytes())
    };
    for _ in 0..5 {
        assert_eq!(attempt("wrong password").status, 401);
    }
    // Locked now, even with the right password.
    let locked = attempt(PASSWORD);
    assert_eq!(locked.status, 429);
    assert!(locked.header("retry-after").is_some());
}

#[test]
fn the_audit_log_records_writes_and_admin_actions_without_secrets() {
    let server = Server::start();
    assert_eq!(
        server.as_user("manager", "POST", "/api/v1/records/customers", "text/csv", CUSTOMERS.as_bytes()).status,
        200
    );
    let created = server.as_user("admin", "POST", "/api/v1/tokens", "application/json", br#"{"account":"analyst"}"#);
    assert_eq!(created.status, 201);
    let token = created.json()["token"].as_str().unwrap().to_owned();
    let account = server.as_user(
        "admin",
        "POST",
        "/api/v1/accounts",
        "application/json",
        br#"{"name":"carol","role":"rep","password":"a long enough secret"}"#,
    );
    assert_eq!(account.status, 201, "{}", String::from_utf8_lossy(&account.body));
    let log = server.as_user("admin", "GET", "/api/v1/audit", "", b"");
    let text = String::from_utf8_lossy(&log.body).into_owned();
    let entries = log.json();
    let actions: Vec<(&str, &str)> = entries
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| (entry["actor"].as_str().unwrap(), entry["action"].as_str().unwrap()))
        .collect();
    assert_eq!(actions, [("admin", "account_add"), ("admin", "token_create"), ("manager", "import")]);
    assert_eq!(entries[2]["details"]["inserted"], 1);
    assert!(!text.contains(&token) && !text.contains("a long enough secret"), "{text}");
    // The new token works once created.
    let bearer = format!("Bearer {token}");
    assert_eq!(server.request("GET", "/api/v1/status", &[("Authorization", &bearer)], b"").status, 200);
}
