//! The routes of API v1, their OpenAPI description, and the layers every request passes
//! (body limit, timeout).

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, DefaultBodyLimit, Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use pulse_engine::{Category, Dimension, Granularity, Metric, ReportRequest, catalog, find_metric, parse_date};
use pulse_model::Kind;
use pulse_store::Role;
use serde::{Deserialize, Serialize};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use utoipa::{OpenApi, ToSchema};
use utoipa_swagger_ui::SwaggerUi;

use crate::auth::{self, Principal, SESSION_COOKIE};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::ingest::{self, BodyFormat, IngestResult};
use crate::{AppState, ServeOptions};

const READERS: &[Role] = &[Role::Admin, Role::Manager, Role::Analyst, Role::Rep];
const WRITERS: &[Role] = &[Role::Admin, Role::Manager];
const ADMINS: &[Role] = &[Role::Admin];

#[derive(OpenApi)]
#[openapi(
    info(title = "Pulse API", description = "CRM metrics: ingest records, query metrics and the records behind them."),
    paths(healthz, sign_in, sign_out, status, catalog_list, metrics, metric_records, ingest_records, audit_log, accounts_list, account_add, token_create),
    components(schemas(ErrorBody, IngestResult, SignIn, SignedIn, NewAccount, AccountView, NewToken, CreatedToken, CatalogEntry, StatusView)),
    modifiers(&Security)
)]
struct ApiDoc;

struct Security;

impl utoipa::Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components
            .add_security_scheme("session", SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(SESSION_COOKIE))));
    }
}

pub(crate) fn router(state: Arc<AppState>, options: &ServeOptions) -> Router {
    let api = Router::new()
        .route("/healthz", get(healthz))
        .route("/api/v1/session", post(sign_in).delete(sign_out))
        .route("/api/v1/status", get(status))
        .route("/api/v1/catalog", get(catalog_list))
        .route("/api/v1/metrics", get(metrics))
        .route("/api/v1/metrics/{id}/records", get(metric_records))
        .route("/api/v1/records/{kind}", post(ingest_records))
        .route("/api/v1/audit", get(audit_log))
        .route("/api/v1/accounts", get(accounts_list).post(account_add))
        .route("/api/v1/tokens", post(token_create))
        .with_state(state);
    api.merge(SwaggerUi::new("/api/docs").url("/api/openapi.json", ApiDoc::openapi()))
        .layer(DefaultBodyLimit::max(options.max_body_bytes))
        .layer(RequestBodyLimitLayer::new(options.max_body_bytes))
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, options.request_timeout))
}

/// Liveness, without credentials.
#[utoipa::path(get, path = "/healthz", responses((status = 200, description = "the server is up", body = String)))]
async fn healthz() -> &'static str {
    "ok"
}

#[derive(Debug, Deserialize, ToSchema)]
struct SignIn {
    name: String,
    password: String,
}

#[derive(Debug, Serialize, ToSchema)]
struct SignedIn {
    name: String,
    role: String,
    /// Send it as `X-CSRF-Token` with every write made with the session cookie.
    csrf_token: String,
}

/// Signs in with a name and password: sets the session cookie (HttpOnly, SameSite=Strict, Secure
/// behind TLS) and returns the CSRF token. Five failures per account or address in 15 minutes
/// lock further attempts out for the rest of the window (429).
#[utoipa::path(post, path = "/api/v1/session", request_body = SignIn, responses(
    (status = 200, body = SignedIn), (status = 401, body = ErrorBody), (status = 429, body = ErrorBody)))]
async fn sign_in(
    State(state): State<Arc<AppState>>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Json(request): Json<SignIn>,
) -> ApiResult<Response> {
    let address = client.ip();
    if let Some(seconds) = state.limiter.locked(&request.name, address) {
        let mut error = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_attempts",
            format!("too many failed sign-ins; try again in {seconds} s"),
        );
        error.retry_after = Some(seconds);
        return Err(error);
    }
    let account = state.with_store(|store| store.account(&request.name))?;
    let password = request.password;
    let verified = tokio::task::spawn_blocking(move || {
        account.filter(|account| auth::verify_password(&password, &account.password_hash))
    })
    .await
    .map_err(ApiError::internal)?;
    let Some(account) = verified else {
        state.limiter.failed(&request.name, address);
        return Err(ApiError::unauthenticated("wrong name or password"));
    };
    state.limiter.succeeded(&account.name);
    let cookie_value = auth::random_hex(32);
    let csrf = auth::random_hex(32);
    let expires = chrono::Utc::now() + auth::SESSION_LIFETIME;
    state.with_store(|store| {
        store.add_session(&auth::token_hash(&cookie_value), &account.name, &csrf, expires.timestamp_micros())?;
        store.audit(&account.name, "sign_in", &serde_json::json!({ "address": address.to_string() }))
    })?;
    let secure = headers.get("x-forwarded-proto").is_some_and(|proto| proto.as_bytes() == b"https");
    let cookie = format!(
        "{SESSION_COOKIE}={cookie_value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{}",
        auth::SESSION_LIFETIME.as_secs(),
        if secure { "; Secure" } else { "" }
    );
    let body = SignedIn { name: account.name, role: account.role.name().to_owned(), csrf_token: csrf };
    Ok(([(header::SET_COOKIE, cookie)], Json(body)).into_response())
}

/// Signs out: ends the session and clears the cookie.
#[utoipa::path(delete, path = "/api/v1/session", responses((status = 204)), security(("session" = [])))]
async fn sign_out(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    request_headers: HeaderMap,
) -> ApiResult<Response> {
    principal.require(READERS)?;
    if let Some(cookie) = auth::cookie(&request_headers, SESSION_COOKIE) {
        state.with_store(|store| store.end_session(&auth::token_hash(cookie)))?;
    }
    let clear = format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, clear)]).into_response())
}

#[derive(Debug, Serialize, ToSchema)]
struct StatusView {
    data_version: i64,
    timezone: String,
    /// Current records per kind.
    #[schema(value_type = Object)]
    records: serde_json::Map<String, serde_json::Value>,
}

/// Record counts and the data version.
#[utoipa::path(get, path = "/api/v1/status", responses((status = 200, body = StatusView), (status = 401, body = ErrorBody)),
    security(("bearer" = []), ("session" = [])))]
async fn status(State(state): State<Arc<AppState>>, principal: Principal) -> ApiResult<Json<StatusView>> {
    principal.require(READERS)?;
    let (version, counts, timezone) =
        state.with_store(|store| Ok((store.data_version()?, store.counts()?, store.config().timezone.to_string())))?;
    let records = counts.into_iter().map(|(kind, count)| (kind.name().to_owned(), count.into())).collect();
    Ok(Json(StatusView { data_version: version, timezone, records }))
}

#[derive(Debug, Serialize, ToSchema)]
struct CatalogEntry {
    id: &'static str,
    name: &'static str,
    category: String,
    unit: String,
    direction: String,
    formula: &'static str,
    dimensions: Vec<&'static str>,
    /// Whether `/api/v1/metrics/{id}/records` lists the records behind it.
    explainable: bool,
}

fn name_of(value: impl Serialize) -> String {
    serde_json::to_value(value).ok().and_then(|value| value.as_str().map(str::to_owned)).unwrap_or_default()
}

/// Every metric with its formula text, unit, direction and dimensions.
#[utoipa::path(get, path = "/api/v1/catalog", responses((status = 200, body = [CatalogEntry])), security(("bearer" = []), ("session" = [])))]
async fn catalog_list(principal: Principal) -> ApiResult<Json<Vec<CatalogEntry>>> {
    principal.require(READERS)?;
    Ok(Json(
        catalog()
            .iter()
            .map(|metric| CatalogEntry {
                id: metric.id,
                name: metric.name,
                category: metric.category.id().to_owned(),
                unit: name_of(metric.unit),
                direction: name_of(metric.direction),
                formula: metric.formula,
                dimensions: metric.dimensions.iter().map(|(kind, _)| kind.name()).collect(),
                explainable: metric.records.is_some(),
            })
            .collect(),
    ))
}

/// Query parameters as `(key, value)` pairs; repeated keys and comma-separated values both work.
fn query_pairs(query: Option<&str>) -> ApiResult<Vec<(String, String)>> {
    serde_urlencoded::from_str(query.unwrap_or_default()).map_err(|error| ApiError::bad_request(error.to_string()))
}

fn single<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs.iter().rev().find(|(name, _)| name == key).map(|(_, value)| value.as_str())
}

fn many<'a>(pairs: &'a [(String, String)], key: &str) -> Vec<&'a str> {
    pairs
        .iter()
        .filter(|(name, _)| name == key)
        .flat_map(|(_, value)| value.split(','))
        .map(str::trim)
        .filter(|value| !value.is_empty())
        .collect()
}

fn required<'a>(pairs: &'a [(String, String)], key: &str) -> ApiResult<&'a str> {
    single(pairs, key).ok_or_else(|| ApiError::bad_request(format!("the query parameter `{key}` is required")))
}

/// Metrics per period (and segment), as `pulse report --format json`: `from`, `to` (dates,
/// `to` exclusive), `period` (day, week, month, quarter, year, range; default month), `metric`
/// and `category` (repeatable or comma-separated), `by` (a dimension). A rep's numbers cover
/// their own deals, leads and activities only.
#[utoipa::path(get, path = "/api/v1/metrics", params(
        ("from" = String, Query, description = "first day, YYYY-MM-DD"),
        ("to" = String, Query, description = "day after the last, YYYY-MM-DD"),
        ("period" = Option<String>, Query, description = "day, week, month (default), quarter, year or range"),
        ("metric" = Option<String>, Query, description = "metric ids, repeatable or comma-separated"),
        ("category" = Option<String>, Query, description = "categories, repeatable or comma-separated"),
        ("by" = Option<String>, Query, description = "a dimension, e.g. owner or attr:tier")),
    responses((status = 200, description = "the report (see the README for its shape)", body = Object),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)),
    security(("bearer" = []), ("session" = [])))]
async fn metrics(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    RawQuery(query): RawQuery,
) -> ApiResult<Response> {
    principal.require(READERS)?;
    let pairs = query_pairs(query.as_deref())?;
    let from = parse_date(required(&pairs, "from")?)?;
    let to = parse_date(required(&pairs, "to")?)?;
    let granularity: Granularity = single(&pairs, "period").unwrap_or("month").parse()?;
    let by: Option<Dimension> = single(&pairs, "by").map(str::parse).transpose()?;
    let categories: Vec<Category> = many(&pairs, "category").into_iter().map(str::parse).collect::<Result<_, _>>()?;
    let mut selected: Vec<&'static Metric> =
        many(&pairs, "metric").into_iter().map(find_metric).collect::<Result<_, _>>()?;
    let explicit = !selected.is_empty();
    if !explicit {
        selected =
            catalog().iter().filter(|metric| categories.is_empty() || categories.contains(&metric.category)).collect();
    }
    if let Some(dimension) = by.as_ref().filter(|_| !explicit) {
        selected.retain(|metric| metric.segment_sql(dimension).is_some());
    }
    let engine = scoped(&state, &principal).await?;
    let version = engine.data_version();
    let key = (principal.owner_scope().map(str::to_owned), query.unwrap_or_default());
    let cached = state.reports.lock().expect("the cache lock is never poisoned").get(version, &key);
    let body = match cached {
        Some(body) => body,
        None => {
            let request = ReportRequest { from, to, granularity, metrics: selected, by };
            let report = state
                .queries
                .spawn(async move { engine.report(&request).await })
                .await
                .map_err(ApiError::internal)??;
            let body = Arc::new(serde_json::to_vec(&report).map_err(ApiError::internal)?);
            state.reports.lock().expect("the cache lock is never poisoned").put(version, key, body.clone());
            body
        }
    };
    Ok(([(header::CONTENT_TYPE, "application/json")], body.as_ref().clone()).into_response())
}

/// The engine the principal may query: a rep's is restricted to their own records.
async fn scoped(state: &AppState, principal: &Principal) -> ApiResult<Arc<pulse_engine::Engine>> {
    let engine = state.engine().await?;
    Ok(match principal.owner_scope() {
        Some(owner) => Arc::new(engine.restricted_to_owner(owner)),
        None => engine,
    })
}

/// The records behind a count metric in one period (`period` = a label such as 2024-03,
/// 2024-Q1, 2024-W10), optionally with their segment (`by`).
#[utoipa::path(get, path = "/api/v1/metrics/{id}/records", params(
        ("id" = String, Path, description = "a count metric"),
        ("period" = String, Query, description = "a period label"),
        ("by" = Option<String>, Query, description = "a dimension")),
    responses((status = 200, description = "{id, name, period, timezone, data_version, count, columns, records}", body = Object),
        (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []), ("session" = [])))]
async fn metric_records(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> ApiResult<Response> {
    principal.require(READERS)?;
    let pairs = query_pairs(query.as_deref())?;
    let metric = find_metric(&id)?;
    let label = required(&pairs, "period")?.to_owned();
    let by: Option<Dimension> = single(&pairs, "by").map(str::parse).transpose()?;
    let engine = scoped(&state, &principal).await?;
    let records = state
        .queries
        .spawn(async move { engine.records(metric, &label, by.as_ref()).await })
        .await
        .map_err(ApiError::internal)??;
    Ok(Json(records).into_response())
}

/// Imports records of one kind: a CSV body (`text/csv`, with a header), NDJSON
/// (`application/x-ndjson`) or a JSON array (`application/json`). All or nothing unless
/// `skip_invalid=true`; idempotent by record identity.
#[utoipa::path(post, path = "/api/v1/records/{kind}", params(
        ("kind" = String, Path, description = "a record kind, e.g. deals"),
        ("skip_invalid" = Option<bool>, Query, description = "keep the valid records and list the rejects")),
    request_body(content = String, description = "the records", content_type = "text/csv"),
    responses((status = 200, body = IngestResult), (status = 422, description = "located errors; nothing written", body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 413, description = "body too large")),
    security(("bearer" = []), ("session" = [])))]
async fn ingest_records(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Path(kind): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<IngestResult>> {
    principal.require(WRITERS)?;
    let kind = Kind::parse(&kind).ok_or_else(|| ApiError::not_found(format!("{kind:?} is not a record kind")))?;
    let pairs = query_pairs(query.as_deref())?;
    let skip_invalid = match single(&pairs, "skip_invalid") {
        None | Some("false") => false,
        Some("true") => true,
        Some(other) => return Err(ApiError::bad_request(format!("skip_invalid must be true or false, not {other:?}"))),
    };
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|value| value.to_str().ok());
    let format = BodyFormat::of(content_type, &body)?;
    let (reply, answer) = tokio::sync::oneshot::channel();
    let write = ingest::Write { kind, format, body, skip_invalid, actor: principal.account.name.clone(), reply };
    state.writes.send(ingest::Job::Write(write)).await.map_err(|_| ApiError::internal("the writer has stopped"))?;
    let result = answer.await.map_err(|_| ApiError::internal("the writer stopped before answering"))??;
    Ok(Json(result))
}

#[derive(Debug, Serialize, ToSchema)]
struct AuditView {
    id: i64,
    /// RFC 3339, UTC.
    at: String,
    actor: String,
    action: String,
    #[schema(value_type = Object)]
    details: serde_json::Value,
}

/// The audit log, newest first (admins only): every write and every administrative action.
#[utoipa::path(get, path = "/api/v1/audit", params(("limit" = Option<usize>, Query, description = "default 100")),
    responses((status = 200, body = [Object]), (status = 403, body = ErrorBody)), security(("bearer" = []), ("session" = [])))]
async fn audit_log(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    RawQuery(query): RawQuery,
) -> ApiResult<Response> {
    principal.require(ADMINS)?;
    let pairs = query_pairs(query.as_deref())?;
    let limit = match single(&pairs, "limit") {
        None => 100,
        Some(text) => {
            text.parse().map_err(|_| ApiError::bad_request(format!("limit must be a number, not {text:?}")))?
        }
    };
    let entries = state.with_store(|store| store.audit_log(limit))?;
    let views: Vec<AuditView> = entries
        .into_iter()
        .map(|entry| AuditView {
            id: entry.id,
            at: pulse_model::Timestamp::from_micros(entry.at_micros).to_rfc3339(),
            actor: entry.actor,
            action: entry.action,
            details: entry.details,
        })
        .collect();
    Ok(Json(views).into_response())
}

#[derive(Debug, Serialize, ToSchema)]
struct AccountView {
    name: String,
    role: String,
    owner: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
struct NewAccount {
    name: String,
    /// admin, manager, analyst or rep
    role: String,
    password: String,
    /// For a rep: the owner value on their deals, leads and activities (default: the name).
    owner: Option<String>,
}

/// Accounts (admins only).
#[utoipa::path(get, path = "/api/v1/accounts", responses((status = 200, body = [AccountView]), (status = 403, body = ErrorBody)),
    security(("bearer" = []), ("session" = [])))]
async fn accounts_list(State(state): State<Arc<AppState>>, principal: Principal) -> ApiResult<Json<Vec<AccountView>>> {
    principal.require(ADMINS)?;
    let accounts = state.with_store(pulse_store::Store::accounts)?;
    Ok(Json(
        accounts
            .into_iter()
            .map(|account| AccountView {
                name: account.name,
                role: account.role.name().to_owned(),
                owner: account.owner,
            })
            .collect(),
    ))
}

/// Adds an account (admins only).
#[utoipa::path(post, path = "/api/v1/accounts", request_body = NewAccount,
    responses((status = 201, body = AccountView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = []), ("session" = [])))]
async fn account_add(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Json(request): Json<NewAccount>,
) -> ApiResult<Response> {
    principal.require(ADMINS)?;
    let role = Role::parse(&request.role).ok_or_else(|| {
        ApiError::bad_request(format!("{:?} is not a role (admin, manager, analyst, rep)", request.role))
    })?;
    let password = request.password;
    let hash = tokio::task::spawn_blocking(move || auth::hash_password(&password))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::bad_request)?;
    let account = state.with_store(|store| {
        let account = store.add_account(&request.name, role, request.owner.as_deref(), &hash)?;
        store.audit(
            &principal.account.name,
            "account_add",
            &serde_json::json!({ "name": account.name, "role": role.name(), "owner": account.owner }),
        )?;
        Ok(account)
    })?;
    let view = AccountView { name: account.name, role: account.role.name().to_owned(), owner: account.owner };
    Ok((StatusCode::CREATED, Json(view)).into_response())
}

#[derive(Debug, Deserialize, ToSchema)]
struct NewToken {
    account: String,
}

#[derive(Debug, Serialize, ToSchema)]
struct CreatedToken {
    id: i64,
    account: String,
    /// Shown once: only its hash is kept.
    token: String,
}

/// Creates an API token for an account (admins only); the token is shown once.
#[utoipa::path(post, path = "/api/v1/tokens", request_body = NewToken,
    responses((status = 201, body = CreatedToken), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = []), ("session" = [])))]
async fn token_create(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Json(request): Json<NewToken>,
) -> ApiResult<Response> {
    principal.require(ADMINS)?;
    let token = auth::new_api_token();
    let id = state.with_store(|store| {
        let id = store.add_token(&request.account, &auth::token_hash(&token))?;
        store.audit(
            &principal.account.name,
            "token_create",
            &serde_json::json!({ "account": request.account, "token_id": id }),
        )?;
        Ok(id)
    })?;
    Ok((StatusCode::CREATED, Json(CreatedToken { id, account: request.account, token })).into_response())
}
