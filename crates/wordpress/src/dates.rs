//! When an item was published, as an instant. WordPress stores the site's local time and
//! UTC side by side, but leaves UTC at zeros for drafts and pending posts; then the local
//! time has to be read in the site's time zone, which the export does not name.

use chrono::{DateTime, LocalResult, NaiveDateTime, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;

use crate::model::Item;

/// The item's date as an instant: `post_date_gmt` when WordPress set it, otherwise
/// `post_date` read in `zone` (the site's time zone from Settings → General).
///
/// A local time that happens twice (clocks turned back) is taken at its first occurrence;
/// one that never happens (clocks turned forward) is moved forward by the size of the gap,
/// as a wall clock would show it. `None` when neither date is set.
pub fn item_time(item: &Item, zone: Tz) -> Option<DateTime<Utc>> {
    if let Some(gmt) = item.post_date_gmt {
        return Some(gmt.and_utc());
    }
    item.post_date.map(|local| local_to_utc(local, zone))
}

/// Whether `zone` explains the item's two dates: `post_date` read in `zone` is
/// `post_date_gmt`. True when the item does not have both dates (nothing contradicts the
/// zone). The importer checks this on published posts to warn that the zone it was given
/// is not the site's.
pub fn zone_agrees(item: &Item, zone: Tz) -> bool {
    let (Some(local), Some(gmt)) = (item.post_date, item.post_date_gmt) else {
        return true;
    };
    let gmt = gmt.and_utc();
    match zone.from_local_datetime(&local) {
        LocalResult::Single(time) => time.with_timezone(&Utc) == gmt,
        LocalResult::Ambiguous(first, second) => {
            first.with_timezone(&Utc) == gmt || second.with_timezone(&Utc) == gmt
        }
        LocalResult::None => local_to_utc(local, zone) == gmt,
    }
}

/// A local time in `zone` as UTC, resolving folds and gaps as [`item_time`] describes.
pub fn local_to_utc(local: NaiveDateTime, zone: Tz) -> DateTime<Utc> {
    match zone.from_local_datetime(&local) {
        LocalResult::Single(time) => time.with_timezone(&Utc),
        LocalResult::Ambiguous(first, second) => first.min(second).with_timezone(&Utc),
        LocalResult::None => {
            // In a gap: apply the offset that was in force before it, which lands the
            // same distance past the jump as the time was past its start.
            let day_before = local.and_utc() - TimeDelta::days(1);
            let offset = zone.offset_from_utc_datetime(&day_before.naive_utc());
            let seconds = chrono::Offset::fix(&offset).local_minus_utc();
            (local - TimeDelta::seconds(i64::from(seconds))).and_utc()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, d)
            .and_then(|date| date.and_hms_opt(h, min, 0))
            .expect("a valid test date")
    }

    fn item(local: Option<NaiveDateTime>, gmt: Option<NaiveDateTime>) -> Item {
        Item {
            post_date: local,
            post_date_gmt: gmt,
            ..Item::default()
        }
    }

    #[test]
    fn prefers_the_stored_utc() {
        let post = item(Some(at(2025, 1, 10, 6, 25)), Some(at(2025, 1, 10, 4, 25)));
        assert_eq!(
            item_time(&post, chrono_tz::Asia::Tokyo),
            Some(at(2025, 1, 10, 4, 25).and_utc())
        );
    }

    #[test]
    fn reads_a_draft_in_the_zone() {
        // Beirut is UTC+2 in winter and UTC+3 in summer.
        let winter = item(Some(at(2026, 11, 9, 8, 16)), None);
        assert_eq!(
            item_time(&winter, chrono_tz::Asia::Beirut),
            Some(at(2026, 11, 9, 6, 16).and_utc())
        );
        let summer = item(Some(at(2026, 7, 1, 12, 0)), None);
        assert_eq!(
            item_time(&summer, chrono_tz::Asia::Beirut),
            Some(at(2026, 7, 1, 9, 0).and_utc())
        );
        assert_eq!(item_time(&item(None, None), chrono_tz::Asia::Beirut), None);
    }

    #[test]
    fn takes_the_first_of_a_repeated_hour() {
        // Europe/Paris turned 03:00 back to 02:00 on 2025-10-26: 02:30 happened twice.
        let local = at(2025, 10, 26, 2, 30);
        assert_eq!(
            local_to_utc(local, chrono_tz::Europe::Paris),
            at(2025, 10, 26, 0, 30).and_utc()
        );
    }

    #[test]
    fn moves_a_missing_hour_forward() {
        // Europe/Paris jumped from 02:00 to 03:00 on 2025-03-30: 02:30 never happened and
        // is read as 03:30 summer time.
        let local = at(2025, 3, 30, 2, 30);
        assert_eq!(
            local_to_utc(local, chrono_tz::Europe::Paris),
            at(2025, 3, 30, 1, 30).and_utc()
        );
    }

    #[test]
    fn zone_agreement() {
        let post = item(Some(at(2025, 7, 1, 12, 0)), Some(at(2025, 7, 1, 9, 0)));
        assert!(zone_agrees(&post, chrono_tz::Asia::Beirut));
        assert!(!zone_agrees(&post, chrono_tz::UTC));
        assert!(!zone_agrees(&post, chrono_tz::Asia::Dubai));
        assert!(zone_agrees(
            &item(Some(at(2025, 7, 1, 12, 0)), None),
            chrono_tz::UTC
        ));
    }
}
