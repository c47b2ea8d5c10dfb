//! Social media mentions of the product, in several languages, mostly positive, with the heavy
//! tail of engagement real posts have (most get a handful of likes, a few go far).

use rand::Rng;

use crate::calendar::{CALENDAR_END, CALENDAR_START, Rhythm, Trend};
use crate::context::Context;
use crate::error::Result;
use crate::output::{MENTION_ID, Tables};
use crate::sampling::{AscendingUniforms, chance, log_normal, pick, pick_weighted, poisson};
use crate::vocabulary::{MENTION_LANGUAGES, PLATFORMS};

#[derive(Debug, Clone, Copy)]
enum Sentiment {
    Positive,
    Neutral,
    Negative,
}

const SENTIMENTS: &[(Sentiment, f64)] =
    &[(Sentiment::Positive, 0.45), (Sentiment::Neutral, 0.35), (Sentiment::Negative, 0.2)];

pub(crate) fn write_social_mentions(context: &Context, tables: &mut Tables, rng: &mut impl Rng) -> Result<()> {
    let mut quantiles = AscendingUniforms::new(context.scaled_count(3_000.0, 5));
    while let Some(quantile) = quantiles.next(rng) {
        let at = context.calendar.instant_at(quantile, CALENDAR_START, CALENDAR_END, Rhythm::Consumer, Trend::Growing);
        let language = pick_weighted(rng, MENTION_LANGUAGES);
        let texts = match pick_weighted(rng, SENTIMENTS) {
            Sentiment::Positive => language.positive,
            Sentiment::Neutral => language.neutral,
            Sentiment::Negative => language.negative,
        };
        let likes = log_normal(rng, 4.0, 1.3).floor() as u64;
        let number = tables.social_mentions.allocate_id();
        tables
            .social_mentions
            .id(MENTION_ID, number)
            .instant(at)
            .text(pick_weighted(rng, PLATFORMS))
            .text(pick(rng, texts))
            .optional_text((!chance(rng, 0.05)).then_some(language.code))
            .integer(likes)
            .integer(poisson(rng, likes as f64 * 0.15))
            .integer(poisson(rng, likes as f64 * 0.2))
            .integer(((likes + 1) as f64 * log_normal(rng, 80.0, 0.8)).round() as u64)
            .finish_row()?;
    }
    Ok(())
}
