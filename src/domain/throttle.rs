//! Rules for slowing down abuse without locking anyone out: how long a wrong password
//! makes the next try from the same place wait, and which addresses count as one client.

use std::net::{IpAddr, Ipv6Addr};

use chrono::{Duration, NaiveDateTime};

/// Wrong passwords from one place that cost nothing (typos happen).
pub const FREE_FAILURES: i32 = 3;
/// The longest wait between tries, however many failures.
pub const MAX_WAIT_SECS: i64 = 15 * 60;

/// After a day without a wrong password, the count starts again.
pub fn forget_after() -> Duration {
    Duration::hours(24)
}

/// The first wait, after the free failures.
pub const FIRST_WAIT_SECS: i64 = 15;

/// The wait after `failures` wrong passwords: none for the first few, then doubling from
/// fifteen seconds up to fifteen minutes.
pub fn delay_secs(failures: i32) -> i64 {
    if failures < FREE_FAILURES {
        return 0;
    }
    let doublings = u32::try_from(failures - FREE_FAILURES).unwrap_or(0).min(20);
    (FIRST_WAIT_SECS << doublings).min(MAX_WAIT_SECS)
}

/// Seconds still to wait at `now` after `failures`, the last at `last`; `None` when a try
/// is allowed.
pub fn wait(failures: i32, last: NaiveDateTime, now: NaiveDateTime) -> Option<i64> {
    if now - last >= forget_after() {
        return None;
    }
    let until = last + Duration::seconds(delay_secs(failures));
    (until > now).then(|| ((until - now).num_milliseconds() + 999) / 1000)
}

/// The client an address belongs to for limits: an IPv4 address (IPv4-mapped IPv6
/// included), or an IPv6 /64, which one subscriber usually holds whole.
pub fn client_of(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_and_stop_at_fifteen_minutes() {
        let table = [
            (0, 0),
            (2, 0),
            (3, 15),
            (4, 30),
            (5, 60),
            (8, 480),
            (9, 900),
            (1000, 900),
        ];
        for (failures, secs) in table {
            assert_eq!(delay_secs(failures), secs, "after {failures} failures");
        }
    }

    #[test]
    fn waits_count_from_the_last_failure_and_are_forgotten_after_a_day() {
        let last = chrono::DateTime::from_timestamp(1_800_000_000, 0)
            .unwrap()
            .naive_utc();
        assert_eq!(wait(2, last, last), None);
        assert_eq!(wait(5, last, last + Duration::seconds(20)), Some(40));
        assert_eq!(
            wait(5, last, last + Duration::milliseconds(59_500)),
            Some(1)
        );
        assert_eq!(wait(5, last, last + Duration::seconds(60)), None);
        assert_eq!(wait(50, last, last + Duration::minutes(14)), Some(60));
        assert_eq!(wait(50, last, last + Duration::hours(24)), None);
    }

    #[test]
    fn an_ipv6_client_is_its_slash_64_and_mapped_ipv4_is_ipv4() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert_eq!(client_of(ip("203.0.113.9")), ip("203.0.113.9"));
        assert_eq!(client_of(ip("::ffff:203.0.113.9")), ip("203.0.113.9"));
        assert_eq!(client_of(ip("2001:db8:1:2:3:4:5:6")), ip("2001:db8:1:2::"));
        assert_eq!(
            client_of(ip("2001:db8:1:2:ffff::1")),
            client_of(ip("2001:db8:1:2::9"))
        );
        assert_ne!(client_of(ip("2001:db8:1:3::1")), ip("2001:db8:1:2::"));
    }
}
