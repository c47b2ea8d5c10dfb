//! The seventeen CSV files of a data set, written row by row as the data is generated.
//!
//! Each file is a [`Table`]: a buffered CSV writer, one reused record and one reused text buffer,
//! so writing a row allocates nothing. Fields are appended in header order with chained calls
//! (`table.id(..).instant(..).money(..)`) and [`Table::finish_row`] writes the record. Timestamps
//! are written as `2024-03-05T14:30:00Z`, except that every 43rd one of a file carries an explicit
//! offset (`2024-03-05T18:00:00+03:30`, the same instant) so that importers meet that form too.

use std::fmt::{self, Write as _};
use std::fs::File;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Datelike, Timelike};
use csv::ByteRecord;

use crate::calendar::{CALENDAR_END, CALENDAR_START, SECONDS_PER_DAY, start_of_day};
use crate::error::{Error, Result};

/// How the identifiers of one kind are spelled: a prefix and a zero-padded number (`C000042`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct IdFormat {
    prefix: &'static str,
    width: usize,
}

pub(crate) const CUSTOMER_ID: IdFormat = IdFormat { prefix: "C", width: 6 };
pub(crate) const LEAD_ID: IdFormat = IdFormat { prefix: "L", width: 6 };
pub(crate) const DEAL_ID: IdFormat = IdFormat { prefix: "D", width: 6 };
pub(crate) const ACTIVITY_ID: IdFormat = IdFormat { prefix: "A", width: 7 };
pub(crate) const ORDER_ID: IdFormat = IdFormat { prefix: "O", width: 7 };
pub(crate) const SUBSCRIPTION_ID: IdFormat = IdFormat { prefix: "S", width: 6 };
pub(crate) const TICKET_ID: IdFormat = IdFormat { prefix: "T", width: 6 };
pub(crate) const RESPONSE_ID: IdFormat = IdFormat { prefix: "R", width: 6 };
pub(crate) const CAMPAIGN_ID: IdFormat = IdFormat { prefix: "CMP", width: 3 };
pub(crate) const USER_ID: IdFormat = IdFormat { prefix: "U", width: 3 };
pub(crate) const MENTION_ID: IdFormat = IdFormat { prefix: "M", width: 6 };

/// One output file per record kind, in the order of the data format specification.
#[derive(Debug)]
pub(crate) struct Tables {
    pub(crate) customers: Table,
    pub(crate) leads: Table,
    pub(crate) deals: Table,
    pub(crate) deal_stage_changes: Table,
    pub(crate) activities: Table,
    pub(crate) orders: Table,
    pub(crate) subscriptions: Table,
    pub(crate) subscription_changes: Table,
    pub(crate) tickets: Table,
    pub(crate) survey_responses: Table,
    pub(crate) campaigns: Table,
    pub(crate) marketing_spend: Table,
    pub(crate) web_traffic: Table,
    pub(crate) email_list: Table,
    pub(crate) users: Table,
    pub(crate) usage_events: Table,
    pub(crate) social_mentions: Table,
}

impl Tables {
    pub(crate) fn create(out_dir: &Path) -> Result<Tables> {
        let table = |kind, header| Table::create(out_dir, kind, header);
        Ok(Tables {
            customers: table(
                "customers",
                &[
                    "customer_id",
                    "name",
                    "email",
                    "phone",
                    "company",
                    "created_at",
                    "source",
                    "segment",
                    "region",
                    "industry",
                    "country",
                    "employees",
                    "tier",
                ],
            )?,
            leads: table(
                "leads",
                &[
                    "lead_id",
                    "created_at",
                    "source",
                    "campaign_id",
                    "owner",
                    "name",
                    "email",
                    "company",
                    "converted_at",
                    "customer_id",
                    "disqualified_at",
                    "utm_medium",
                ],
            )?,
            deals: table(
                "deals",
                &[
                    "deal_id",
                    "customer_id",
                    "lead_id",
                    "owner",
                    "created_at",
                    "amount",
                    "status",
                    "closed_at",
                    "lost_reason",
                    "source",
                ],
            )?,
            deal_stage_changes: table("deal_stage_changes", &["deal_id", "stage", "entered_at"])?,
            activities: table(
                "activities",
                &["activity_id", "at", "owner", "type", "channel", "deal_id", "lead_id", "customer_id", "outcome"],
            )?,
            orders: table("orders", &["order_id", "customer_id", "at", "amount", "status", "product", "category"])?,
            subscriptions: table(
                "subscriptions",
                &["subscription_id", "customer_id", "plan", "started_at", "ended_at", "mrr", "term_months"],
            )?,
            subscription_changes: table("subscription_changes", &["subscription_id", "at", "mrr"])?,
            tickets: table(
                "tickets",
                &[
                    "ticket_id",
                    "customer_id",
                    "opened_at",
                    "first_response_at",
                    "resolved_at",
                    "agent_replies",
                    "channel",
                    "assignee",
                    "category",
                ],
            )?,
            survey_responses: table(
                "survey_responses",
                &[
                    "response_id",
                    "customer_id",
                    "user_id",
                    "at",
                    "kind",
                    "score",
                    "scale_min",
                    "scale_max",
                    "reversed",
                    "comment",
                    "touchpoint",
                ],
            )?,
            campaigns: table("campaigns", &["campaign_id", "name", "channel", "started_at", "ended_at"])?,
            marketing_spend: table("marketing_spend", &["date", "channel", "campaign_id", "amount", "purpose"])?,
            web_traffic: table(
                "web_traffic",
                &["date", "source", "visitors", "sessions", "avg_session_seconds", "purchases"],
            )?,
            email_list: table("email_list", &["date", "subscribed", "unsubscribed", "bounced", "list_size"])?,
            users: table("users", &["user_id", "name", "team", "licensed", "created_at", "deactivated_at"])?,
            usage_events: table("usage_events", &["user_id", "at", "action"])?,
            social_mentions: table(
                "social_mentions",
                &["mention_id", "at", "platform", "text", "language", "likes", "shares", "comments", "reach"],
            )?,
        })
    }

    /// Flushes every file; returns (kind, path, rows) per file.
    pub(crate) fn finish(self) -> Result<Vec<(String, PathBuf, u64)>> {
        [
            self.customers,
            self.leads,
            self.deals,
            self.deal_stage_changes,
            self.activities,
            self.orders,
            self.subscriptions,
            self.subscription_changes,
            self.tickets,
            self.survey_responses,
            self.campaigns,
            self.marketing_spend,
            self.web_traffic,
            self.email_list,
            self.users,
            self.usage_events,
            self.social_mentions,
        ]
        .into_iter()
        .map(Table::finish)
        .collect()
    }
}

/// One CSV file being written.
#[derive(Debug)]
pub(crate) struct Table {
    kind: &'static str,
    path: PathBuf,
    writer: csv::Writer<File>,
    record: ByteRecord,
    text: String,
    n_columns: usize,
    n_rows: u64,
    instants_until_offset: u64,
    n_offsets_written: usize,
    last_id: u64,
}

/// Offsets (in minutes) that now and then replace `Z`, to exercise that timestamp form.
const OFFSETS_MINUTES: [i64; 6] = [210, -300, 60, 330, -480, 540];
const OFFSET_EVERY: u64 = 43;
const WRITE_BUFFER_BYTES: usize = 1 << 16;

impl Table {
    fn create(out_dir: &Path, kind: &'static str, header: &[&str]) -> Result<Table> {
        let path = out_dir.join(format!("{kind}.csv"));
        let file = File::create(&path).map_err(|source| Error::Io { path: path.clone(), source })?;
        let writer = csv::WriterBuilder::new().buffer_capacity(WRITE_BUFFER_BYTES).from_writer(file);
        let mut table = Table {
            kind,
            path,
            writer,
            record: ByteRecord::with_capacity(256, header.len()),
            text: String::with_capacity(256),
            n_columns: header.len(),
            n_rows: 0,
            instants_until_offset: OFFSET_EVERY,
            n_offsets_written: 0,
            last_id: 0,
        };
        for column in header {
            table.record.push_field(column.as_bytes());
        }
        table.write_record()?;
        Ok(table)
    }

    /// The number of the next record of this kind, for its identifier.
    pub(crate) fn allocate_id(&mut self) -> u64 {
        self.last_id += 1;
        self.last_id
    }

    /// How many identifiers have been handed out so far.
    pub(crate) fn allocated_ids(&self) -> u64 {
        self.last_id
    }

    pub(crate) fn text(&mut self, value: &str) -> &mut Table {
        self.record.push_field(value.as_bytes());
        self
    }

    pub(crate) fn optional_text(&mut self, value: Option<&str>) -> &mut Table {
        self.text(value.unwrap_or(""))
    }

    pub(crate) fn empty(&mut self) -> &mut Table {
        self.text("")
    }

    /// Any displayable value, formatted without allocating.
    pub(crate) fn display(&mut self, value: impl fmt::Display) -> &mut Table {
        self.text.clear();
        write!(self.text, "{value}").expect("formatting into a String does not fail");
        self.record.push_field(self.text.as_bytes());
        self
    }

    pub(crate) fn integer(&mut self, value: u64) -> &mut Table {
        self.display(value)
    }

    pub(crate) fn boolean(&mut self, value: bool) -> &mut Table {
        self.text(if value { "true" } else { "false" })
    }

    pub(crate) fn id(&mut self, format: IdFormat, number: u64) -> &mut Table {
        self.display(format_args!("{}{:0width$}", format.prefix, number, width = format.width))
    }

    pub(crate) fn optional_id(&mut self, format: IdFormat, number: Option<u64>) -> &mut Table {
        match number {
            Some(number) => self.id(format, number),
            None => self.empty(),
        }
    }

    /// An amount in cents, written with two decimals.
    pub(crate) fn money(&mut self, cents: i64) -> &mut Table {
        debug_assert!(cents >= 0, "amounts are never negative");
        self.display(format_args!("{}.{:02}", cents / 100, cents % 100))
    }

    pub(crate) fn decimal(&mut self, value: f64) -> &mut Table {
        self.display(format_args!("{value:.1}"))
    }

    /// The calendar day as a plain date (`2024-03-05`), for the daily kinds.
    pub(crate) fn date(&mut self, day: usize) -> &mut Table {
        let mut buffer = [0; 10];
        let civil = civil_time(start_of_day(day));
        write_date(&mut buffer, &civil);
        self.record.push_field(&buffer);
        self
    }

    pub(crate) fn instant(&mut self, instant: i64) -> &mut Table {
        debug_assert!(
            (CALENDAR_START..CALENDAR_END).contains(&instant),
            "{} has an instant outside the calendar: {instant}",
            self.kind
        );
        self.instants_until_offset -= 1;
        let offset_due = self.instants_until_offset == 0;
        if offset_due {
            self.instants_until_offset = OFFSET_EVERY;
        }
        // Near the edges a local wall-clock time would show a day outside the calendar.
        let away_from_edges =
            (CALENDAR_START + 2 * SECONDS_PER_DAY..CALENDAR_END - 2 * SECONDS_PER_DAY).contains(&instant);
        let mut buffer = [0; 25];
        let length = if offset_due && away_from_edges {
            let offset_minutes = OFFSETS_MINUTES[self.n_offsets_written % OFFSETS_MINUTES.len()];
            self.n_offsets_written += 1;
            let civil = civil_time(instant + offset_minutes * 60);
            write_date(&mut buffer, &civil);
            write_time(&mut buffer, &civil);
            buffer[19] = if offset_minutes < 0 { b'-' } else { b'+' };
            write_two_digits(&mut buffer[20..22], offset_minutes.unsigned_abs() / 60);
            buffer[22] = b':';
            write_two_digits(&mut buffer[23..25], offset_minutes.unsigned_abs() % 60);
            25
        } else {
            let civil = civil_time(instant);
            write_date(&mut buffer, &civil);
            write_time(&mut buffer, &civil);
            buffer[19] = b'Z';
            20
        };
        self.record.push_field(&buffer[..length]);
        self
    }

    pub(crate) fn optional_instant(&mut self, instant: Option<i64>) -> &mut Table {
        match instant {
            Some(instant) => self.instant(instant),
            None => self.empty(),
        }
    }

    /// Writes the fields appended since the last row as one record.
    pub(crate) fn finish_row(&mut self) -> Result<()> {
        debug_assert_eq!(self.record.len(), self.n_columns, "{} row with the wrong number of fields", self.kind);
        self.write_record()?;
        self.n_rows += 1;
        Ok(())
    }

    fn write_record(&mut self) -> Result<()> {
        let written = self.writer.write_byte_record(&self.record);
        self.record.clear();
        written.map_err(|source| Error::Csv { path: self.path.clone(), source })
    }

    fn finish(mut self) -> Result<(String, PathBuf, u64)> {
        self.writer.flush().map_err(|source| Error::Io { path: self.path.clone(), source })?;
        Ok((self.kind.to_owned(), self.path, self.n_rows))
    }
}

/// The fields of a UTC date and time.
#[derive(Debug)]
struct CivilTime {
    year: u32,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
}

fn civil_time(instant: i64) -> CivilTime {
    let time = DateTime::from_timestamp(instant, 0).expect("calendar instants are within chrono's range").naive_utc();
    CivilTime {
        year: time.year().unsigned_abs(),
        month: time.month(),
        day: time.day(),
        hour: time.hour(),
        minute: time.minute(),
        second: time.second(),
    }
}

/// `YYYY-MM-DD` into the first ten bytes.
fn write_date(buffer: &mut [u8], civil: &CivilTime) {
    write_two_digits(&mut buffer[0..2], civil.year / 100);
    write_two_digits(&mut buffer[2..4], civil.year % 100);
    buffer[4] = b'-';
    write_two_digits(&mut buffer[5..7], civil.month);
    buffer[7] = b'-';
    write_two_digits(&mut buffer[8..10], civil.day);
}

/// `THH:MM:SS` into bytes 10 to 18.
fn write_time(buffer: &mut [u8], civil: &CivilTime) {
    buffer[10] = b'T';
    write_two_digits(&mut buffer[11..13], civil.hour);
    buffer[13] = b':';
    write_two_digits(&mut buffer[14..16], civil.minute);
    buffer[16] = b':';
    write_two_digits(&mut buffer[17..19], civil.second);
}

fn write_two_digits(buffer: &mut [u8], value: impl Into<u64>) {
    let value = value.into();
    buffer[0] = b'0' + (value / 10 % 10) as u8;
    buffer[1] = b'0' + (value % 10) as u8;
}
