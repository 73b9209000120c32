//! When a throttled request is sent again, and how long the client waits first.

/// When and how long the client waits before resending a throttled request, as Microsoft Graph asks
/// (<https://learn.microsoft.com/graph/throttling>). The decision is [`retry_decision`]; the client
/// only sleeps.
///
/// Rules, in order:
/// 1. Only `429 Too Many Requests`, `503 Service Unavailable` and `504 Gateway Timeout` are retried.
///    Transport errors and timeouts are not: the request may have reached the service.
/// 2. GET, HEAD, OPTIONS, PUT, DELETE and TRACE are retried; PATCH, POST and any other method only
///    with `retry_non_idempotent`, since the service may have applied the first one.
/// 3. At most `max_attempts` sends in all, the first included (0 counts as 1).
/// 4. The wait is the response's `Retry-After` (delta-seconds or an HTTP date), taken as it is;
///    without one (or with one that does not parse) it is a backoff of `base_delay * 2^(retry - 1)`,
///    capped at `max_delay`, of which a random part is taken: between half of it and all of it
///    ("equal jitter"), so that clients throttled together do not all come back together.
/// 5. A wait that would end more than `max_total` after the first send began is not started: the
///    response is returned as the error at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Sends in all, the first included; 1 never retries.
    pub max_attempts: u32,
    /// Time budget from the first send to the end of the last wait.
    pub max_total: std::time::Duration,
    /// The first backoff when the response has no usable `Retry-After`; it doubles on each retry.
    pub base_delay: std::time::Duration,
    /// Cap on a backoff (not on `Retry-After`: the service's word is kept, within `max_total`).
    pub max_delay: std::time::Duration,
    /// Also retry PATCH, POST and other methods that are not idempotent.
    pub retry_non_idempotent: bool,
}

impl Default for RetryPolicy {
    /// 4 sends, 60 s in all, backoff 3 s, 6 s, 12 s (capped at 30 s), idempotent methods only;
    /// the count and first delay are those of Graph's own SDKs.
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            max_total: std::time::Duration::from_secs(60),
            base_delay: std::time::Duration::from_secs(3),
            max_delay: std::time::Duration::from_secs(30),
            retry_non_idempotent: false,
        }
    }
}

impl RetryPolicy {
    /// Sends once and returns whatever comes back.
    pub fn never() -> Self {
        RetryPolicy { max_attempts: 1, ..RetryPolicy::default() }
    }
}

/// What to do after a response: wait and resend, or return it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryDecision {
    /// Wait this long, then send again.
    Retry(std::time::Duration),
    /// Return the response as it is.
    Stop(StopReason),
}

/// Why a response is not retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    /// The status is not 429, 503 or 504.
    NotThrottled,
    /// The method is not idempotent and the policy does not opt in.
    NotIdempotent,
    /// `max_attempts` sends were made.
    AttemptsExhausted,
    /// The wait would end past `max_total`.
    OverBudget,
}

/// Decides whether to resend after the `attempts`-th send (counting from 1) came back with `status`
/// and `headers`, `elapsed` after the first send began; `now` dates an HTTP-date `Retry-After`, and
/// `roll`, a uniform random number in `[0, 1]`, places a backoff in its jitter range (0 gives
/// half the backoff, 1 all of it; anything else, NaN included, is clamped). Pure, so the policy
/// is tested without a server, a clock or a random source.
#[allow(clippy::too_many_arguments)] // Each is an input the decision is a function of.
pub fn retry_decision(
    policy: &RetryPolicy,
    method: &http::Method,
    status: http::StatusCode,
    headers: &http::HeaderMap,
    attempts: u32,
    elapsed: std::time::Duration,
    now: std::time::SystemTime,
    roll: f64,
) -> RetryDecision {
    use http::{Method, StatusCode};
    let throttled = matches!(status, StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE | StatusCode::GATEWAY_TIMEOUT);
    if !throttled {
        return RetryDecision::Stop(StopReason::NotThrottled);
    }
    let idempotent = [Method::GET, Method::HEAD, Method::OPTIONS, Method::PUT, Method::DELETE, Method::TRACE].contains(method);
    if !idempotent && !policy.retry_non_idempotent {
        return RetryDecision::Stop(StopReason::NotIdempotent);
    }
    if attempts >= policy.max_attempts.max(1) {
        return RetryDecision::Stop(StopReason::AttemptsExhausted);
    }
    let delay =
        headers.get(http::header::RETRY_AFTER).and_then(|v| v.to_str().ok()).and_then(|v| parse_retry_after(v, now)).unwrap_or_else(|| {
            let factor = 2u32.saturating_pow(attempts.saturating_sub(1));
            let backoff = policy.base_delay.saturating_mul(factor).min(policy.max_delay);
            let roll = if roll.is_nan() { 1.0 } else { roll.clamp(0.0, 1.0) };
            backoff / 2 + (backoff / 2).mul_f64(roll)
        });
    if elapsed.saturating_add(delay) > policy.max_total {
        return RetryDecision::Stop(StopReason::OverBudget);
    }
    RetryDecision::Retry(delay)
}

/// Reads a `Retry-After` value: delta-seconds, or an HTTP date (IMF-fixdate, RFC 850 or asctime)
/// measured from `now` (a date already past is zero). `None` when it is neither.
pub fn parse_retry_after(value: &str, now: std::time::SystemTime) -> Option<std::time::Duration> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // Too many digits for a u64 is still "later than any budget".
        return Some(value.parse::<u64>().map(std::time::Duration::from_secs).unwrap_or(std::time::Duration::MAX));
    }
    let at = parse_http_date(value)?;
    Some(at.duration_since(now).unwrap_or(std::time::Duration::ZERO))
}

/// Parses the three date formats HTTP/1.1 recipients must accept (RFC 9110, section 5.6.7).
pub fn parse_http_date(value: &str) -> Option<std::time::SystemTime> {
    let parts: Vec<&str> = value.split_whitespace().collect();
    let (day, month, year, time) = match parts.as_slice() {
        // Sun, 06 Nov 1994 08:49:37 GMT
        [weekday, day, month, year, time, "GMT"] if weekday.ends_with(',') => (*day, *month, year.parse::<i64>().ok()?, *time),
        // Sunday, 06-Nov-94 08:49:37 GMT
        [weekday, date, time, "GMT"] if weekday.ends_with(',') => {
            let mut fields = date.split('-');
            let (day, month, year) = (fields.next()?, fields.next()?, fields.next()?);
            if fields.next().is_some() || year.len() != 2 {
                return None;
            }
            let year = year.parse::<i64>().ok()?;
            (day, month, if year < 70 { 2000 + year } else { 1900 + year }, *time)
        }
        // Sun Nov  6 08:49:37 1994
        [_weekday, month, day, time, year] => (*day, *month, year.parse::<i64>().ok()?, *time),
        _ => return None,
    };
    let month =
        1 + ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"].iter().position(|m| *m == month)?;
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let month_days = match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    // A date that does not exist (31 Feb) is not read as the one it would roll over to.
    let day = day.parse::<i64>().ok().filter(|d| (1..=month_days).contains(d))?;
    let mut hms = time.split(':').map(|n| n.parse::<i64>().ok());
    let (h, m, s) = (hms.next()??, hms.next()??, hms.next()??);
    if hms.next().is_some() || !(0..24).contains(&h) || !(0..60).contains(&m) || !(0..=60).contains(&s) {
        return None;
    }
    if !(1970..=9999).contains(&year) {
        return None;
    }
    let days = days_from_civil(year, i64::try_from(month).ok()?, day);
    let secs = u64::try_from(days * 86_400 + h * 3_600 + m * 60 + s).ok()?;
    std::time::UNIX_EPOCH.checked_add(std::time::Duration::from_secs(secs))
}

/// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}
