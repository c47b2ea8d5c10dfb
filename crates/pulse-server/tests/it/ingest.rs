//! Ingestion through the API in all three formats, with located errors and nothing written on
//! failure; parallel writes and queries; a graceful stop with a write in flight.

use pulse_model::Kind;
use pulse_store::Store;

use crate::{CUSTOMERS, Server};

fn count(server: &Server, kind: Kind) -> u64 {
    let store = Store::open(&server.data()).unwrap();
    store.counts().unwrap().into_iter().find(|(found, _)| *found == kind).unwrap().1
}

#[test]
fn good_bodies_in_every_format_are_imported_idempotently() {
    let server = Server::start();
    let post = |path: &str, content_type: &str, body: &str| {
        server.as_user("manager", "POST", path, content_type, body.as_bytes())
    };
    let csv = post("/api/v1/records/customers", "text/csv", CUSTOMERS);
    assert_eq!(csv.status, 200, "{}", String::from_utf8_lossy(&csv.body));
    assert_eq!((csv.json()["inserted"].as_u64(), csv.json()["rows_read"].as_u64()), (Some(1), Some(1)));
    let ndjson = post(
        "/api/v1/records/customers",
        "application/x-ndjson",
        "{\"customer_id\":\"c2\",\"name\":\"Two\",\"created_at\":\"2024-01-02\"}\n{\"customer_id\":\"c3\",\"name\":\"Three\",\"created_at\":\"2024-01-03\"}\n",
    );
    assert_eq!(ndjson.json()["inserted"], 2);
    let array = post(
        "/api/v1/records/customers",
        "application/json",
        r#"[{"customer_id":"c4","name":"Four","created_at":"2024-01-04"},{"customer_id":"c1","name":"One","created_at":"2024-01-01"}]"#,
    );
    let json = array.json();
    // c1 again with the same values: unchanged, so posting twice is harmless.
    assert_eq!((json["inserted"].as_u64(), json["unchanged"].as_u64()), (Some(1), Some(1)));
    assert_eq!(count(&server, Kind::Customers), 4);
}

#[test]
fn bad_bodies_are_refused_with_located_errors_and_nothing_is_written() {
    let server = Server::start();
    let post = |path: &str, content_type: &str, body: &str| {
        server.as_user("manager", "POST", path, content_type, body.as_bytes())
    };
    let csv = post(
        "/api/v1/records/customers",
        "text/csv",
        "customer_id,name,created_at\nc1,One,2024-01-01\nc2,Two,yesterday\n",
    );
    assert_eq!(csv.status, 422);
    let error = csv.json();
    assert_eq!(error["error"]["code"], "invalid_records");
    assert_eq!(error["error"]["details"][0]["line"], 3);
    assert_eq!(error["error"]["details"][0]["column"], "created_at");
    assert_eq!(error["error"]["details"][0]["value"], "yesterday");
    let ndjson = post(
        "/api/v1/records/customers",
        "application/x-ndjson",
        "{\"customer_id\":\"c1\",\"name\":\"One\",\"created_at\":\"2024-01-01\"}\n{\"customer_id\":\"c2\",\"created_at\":\"2024-01-01\"}\n",
    );
    assert_eq!(ndjson.status, 422);
    assert_eq!(
        (
            ndjson.json()["error"]["details"][0]["line"].as_u64(),
            ndjson.json()["error"]["details"][0]["column"].as_str()
        ),
        (Some(2), Some("name"))
    );
    let array = post(
        "/api/v1/records/customers",
        "application/json",
        r#"[{"customer_id":"c1","name":"One","created_at":"2024-13-01"}]"#,
    );
    assert_eq!((array.status, array.json()["error"]["details"][0]["line"].as_u64()), (422, Some(1)));
    let not_json = post("/api/v1/records/customers", "application/json", "[{");
    assert_eq!((not_json.status, not_json.json()["error"]["code"].as_str()), (400, Some("invalid_json")));
    let unknown_kind = post("/api/v1/records/widgets", "text/csv", CUSTOMERS);
    assert_eq!(unknown_kind.status, 404);
    let media = post("/api/v1/records/customers", "text/plain", CUSTOMERS);
    assert_eq!(media.status, 415);
    assert_eq!(count(&server, Kind::Customers), 0, "nothing was written");
    // With skip_invalid the valid row is kept and the reject listed.
    let skipped = post(
        "/api/v1/records/customers?skip_invalid=true",
        "text/csv",
        "customer_id,name,created_at\nc1,One,2024-01-01\nc2,Two,yesterday\n",
    );
    assert_eq!(skipped.status, 200);
    assert_eq!((skipped.json()["inserted"].as_u64(), skipped.json()["rejected"].as_u64()), (Some(1), Some(1)));
    assert_eq!(skipped.json()["rejects"][0]["line"], 3);
    // A body over the limit (1 MiB in tests) is refused before it is read.
    let huge = format!("customer_id,name,created_at\n{}", "c9,Nine,2024-01-01\n".repeat(80_000));
    assert_eq!(post("/api/v1/records/customers", "text/csv", &huge).status, 413);
    assert_eq!(count(&server, Kind::Customers), 1);
}

#[test]
fn parallel_writes_and_queries_are_exact_and_never_torn() {
    let server = Server::start();
    assert_eq!(
        server.as_user("manager", "POST", "/api/v1/records/customers", "text/csv", CUSTOMERS.as_bytes()).status,
        200
    );
    // 8 writers post 10 batches of 20 orders each (order k has amount 1), while 4 readers
    // query revenue: every reading is a whole number of batches (a multiple of 20).
    std::thread::scope(|scope| {
        for writer in 0..8 {
            let server = &server;
            scope.spawn(move || {
                for batch in 0..10 {
                    let mut body = String::from("order_id,customer_id,at,amount\n");
                    for row in 0..20 {
                        body.push_str(&format!("o{writer}-{batch}-{row},c1,2024-02-10,1\n"));
                    }
                    let response =
                        server.as_user("manager", "POST", "/api/v1/records/orders", "text/csv", body.as_bytes());
                    assert_eq!(response.status, 200, "{}", String::from_utf8_lossy(&response.body));
                }
            });
        }
        for _ in 0..4 {
            let server = &server;
            scope.spawn(move || {
                for _ in 0..10 {
                    let response = server.as_user(
                        "analyst",
                        "GET",
                        "/api/v1/metrics?from=2024-02-01&to=2024-03-01&metric=revenue",
                        "",
                        b"",
                    );
                    assert_eq!(response.status, 200);
                    let revenue = response.json()["metrics"][0]["values"][0]["value"].as_f64().unwrap();
                    assert_eq!(revenue % 20.0, 0.0, "a query saw part of an import: {revenue}");
                }
            });
        }
    });
    assert_eq!(count(&server, Kind::Orders), 1600);
    let revenue =
        server.as_user("analyst", "GET", "/api/v1/metrics?from=2024-02-01&to=2024-03-01&metric=revenue", "", b"");
    assert_eq!(revenue.json()["metrics"][0]["values"][0]["value"], 1600.0);
    // Every write is in the audit log, whichever commit it went into.
    let audit = server.as_user("admin", "GET", "/api/v1/audit?limit=500", "", b"").json();
    let imports = audit.as_array().unwrap().iter().filter(|entry| entry["action"] == "import").count();
    assert_eq!(imports, 81);
}

#[test]
fn concurrent_single_record_writes_are_each_answered_with_their_own_counts() {
    let server = Server::start();
    assert_eq!(
        server.as_user("manager", "POST", "/api/v1/records/customers", "text/csv", CUSTOMERS.as_bytes()).status,
        200
    );
    // 16 clients post 20 one-order requests each; every fifth request of a client repeats the
    // client's first order with a new amount (an update), every seventh names an unknown
    // customer (refused alone, whatever it was committed with), and every third of the others
    // is sent with skip_invalid (imported on its own between the groups).
    let refused = std::sync::atomic::AtomicU64::new(0);
    std::thread::scope(|scope| {
        for client in 0..16 {
            let (server, refused) = (&server, &refused);
            scope.spawn(move || {
                for request in 1..=20 {
                    let (id, customer) = match request {
                        _ if request % 7 == 0 => (format!("o{client}-{request}"), "nobody"),
                        _ if request % 5 == 0 => (format!("o{client}-1"), "c1"),
                        _ => (format!("o{client}-{request}"), "c1"),
                    };
                    let body = format!("order_id,customer_id,at,amount\n{id},{customer},2024-02-10,{request}\n");
                    let path = if request % 3 == 0 && customer != "nobody" {
                        "/api/v1/records/orders?skip_invalid=true"
                    } else {
                        "/api/v1/records/orders"
                    };
                    let response = server.as_user("manager", "POST", path, "text/csv", body.as_bytes());
                    let answer = response.json();
                    if customer == "nobody" {
                        assert_eq!(response.status, 422);
                        assert_eq!(answer["error"]["details"][0]["line"], 2);
                        refused.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        continue;
                    }
                    assert_eq!(response.status, 200, "{answer}");
                    let (inserted, updated) = if request % 5 == 0 { (0, 1) } else { (1, 0) };
                    assert_eq!(
                        (answer["inserted"].as_u64(), answer["updated"].as_u64()),
                        (Some(inserted), Some(updated))
                    );
                }
            });
        }
    });
    // Per client: 20 requests, 2 refused (7, 14), 4 updates (5, 10, 15, 20) → 14 orders.
    assert_eq!(refused.into_inner(), 32);
    assert_eq!(count(&server, Kind::Orders), 16 * 14);
    // Each client's first order ends with the amount of its last update (request 20).
    let revenue =
        server.as_user("analyst", "GET", "/api/v1/metrics?from=2024-02-01&to=2024-03-01&metric=revenue", "", b"");
    // Per client: requests 2,3,4,6,8,9,11,12,13,16,17,18,19 (sum 138) plus order 1 at 20.
    assert_eq!(revenue.json()["metrics"][0]["values"][0]["value"], 16.0 * 158.0);
}

#[test]
fn a_graceful_stop_keeps_every_acknowledged_write() {
    let mut server = Server::start();
    assert_eq!(
        server.as_user("manager", "POST", "/api/v1/records/customers", "text/csv", CUSTOMERS.as_bytes()).status,
        200
    );
    let mut body = String::from("order_id,customer_id,at,amount\n");
    for row in 0..30_000 {
        body.push_str(&format!("o{row},c1,2024-02-10,1\n"));
    }
    let address = server.address;
    let bearer = format!("Bearer {}", server.token("manager"));
    // Start a large write, then ask the server to stop while it is in flight.
    let writer = std::thread::spawn(move || {
        crate::request(
            address,
            "POST",
            "/api/v1/records/orders",
            &[("Authorization", &bearer), ("Content-Type", "text/csv")],
            body.as_bytes(),
        )
    });
    // The body is staged in uploads/ while the import runs: stop then.
    let uploads = server.data().join("uploads");
    let staged = || std::fs::read_dir(&uploads).is_ok_and(|mut entries| entries.next().is_some());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !staged() {
        assert!(std::time::Instant::now() < deadline, "the write never started");
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    server.stop();
    let response = writer.join().unwrap();
    // The write was acknowledged before the server stopped, and it is all there.
    assert_eq!(response.status, 200, "{}", String::from_utf8_lossy(&response.body));
    assert_eq!(count(&server, Kind::Orders), 30_000);
}
