//! The features of real CRM data the demo promises: deals in every state and moving backwards
//! now and then, subscriptions that pause at MRR 0 and resume, annual plans, refunds, reversed
//! CES questions, Q4 peaks, NPS lower among customers about to churn.

use std::collections::{HashMap, HashSet};

use crate::support::{STAGES, instant, shared_dataset};

#[test]
fn deals_end_in_every_state_and_some_step_back() {
    let dataset = shared_dataset();
    let deals = dataset.table("deals");
    let statuses: HashSet<&str> = deals.rows.iter().map(|row| deals.get(row, "status")).collect();
    assert_eq!(statuses, HashSet::from(["open", "won", "lost"]));

    let changes = dataset.table("deal_stage_changes");
    let mut stages_per_deal: HashMap<&str, Vec<(i64, usize)>> = HashMap::new();
    for row in &changes.rows {
        let stage = STAGES.iter().position(|&stage| stage == changes.get(row, "stage")).expect("a pipeline stage");
        stages_per_deal
            .entry(changes.get(row, "deal_id"))
            .or_default()
            .push((instant(changes.get(row, "entered_at")), stage));
    }
    let n_stepping_back = stages_per_deal
        .values_mut()
        .map(|entries| {
            entries.sort_unstable();
            entries.windows(2).any(|pair| pair[1].1 < pair[0].1)
        })
        .filter(|&steps_back| steps_back)
        .count();
    assert!(n_stepping_back > 0, "no deal ever goes back a stage");
}

#[test]
fn some_subscriptions_pause_at_zero_and_resume() {
    let changes = shared_dataset().table("subscription_changes");
    let mut history: HashMap<&str, Vec<(i64, f64)>> = HashMap::new();
    for row in &changes.rows {
        let mrr: f64 = changes.get(row, "mrr").parse().expect("a number");
        history.entry(changes.get(row, "subscription_id")).or_default().push((instant(changes.get(row, "at")), mrr));
    }
    let n_resumed = history
        .values_mut()
        .map(|changes| {
            changes.sort_by_key(|&(at, _)| at);
            changes.windows(2).any(|pair| pair[0].1 == 0.0 && pair[1].1 > 0.0)
        })
        .filter(|&resumed| resumed)
        .count();
    assert!(n_resumed > 0, "no subscription drops to 0 and rises again");
}

#[test]
fn annual_plans_bill_a_year_at_a_time() {
    let subscriptions = shared_dataset().table("subscriptions");
    let annual: Vec<_> =
        subscriptions.rows.iter().filter(|row| subscriptions.get(row, "term_months") == "12").collect();
    assert!(!annual.is_empty(), "no annual plan");
    let orders = shared_dataset().table("orders");
    let amounts: HashSet<(&str, String)> =
        orders.rows.iter().map(|row| (orders.get(row, "customer_id"), orders.get(row, "amount").to_owned())).collect();
    // The first invoice of an annual plan is the yearly price, 12 × the MRR.
    let n_billed_yearly = annual
        .iter()
        .filter(|row| {
            let mrr: f64 = subscriptions.get(row, "mrr").parse().expect("a number");
            let price = format!("{:.2}", mrr * 12.0);
            amounts.contains(&(subscriptions.get(row, "customer_id"), price))
        })
        .count();
    assert!(n_billed_yearly > 0, "no annual plan is invoiced at 12 × its MRR");
}

#[test]
fn some_orders_are_refunded_and_some_ces_questions_reversed() {
    let dataset = shared_dataset();
    let orders = dataset.table("orders");
    assert!(orders.rows.iter().any(|row| orders.get(row, "status") == "refunded"));
    let responses = dataset.table("survey_responses");
    assert!(
        responses
            .rows
            .iter()
            .any(|row| responses.get(row, "kind") == "ces" && responses.get(row, "reversed") == "true")
    );
}

#[test]
fn the_fourth_quarter_sells_more_than_the_first() {
    let orders = shared_dataset().table("orders");
    let (mut first_quarter, mut fourth_quarter) = (0, 0);
    for row in &orders.rows {
        let at = orders.get(row, "at");
        match &at[5..7] {
            "01" | "02" | "03" => first_quarter += 1,
            "10" | "11" | "12" => fourth_quarter += 1,
            _ => {}
        }
    }
    assert!(fourth_quarter > first_quarter * 5 / 4, "Q1 {first_quarter} orders, Q4 {fourth_quarter}");
}

#[test]
fn customers_about_to_churn_give_lower_nps() {
    let dataset = shared_dataset();
    let subscriptions = dataset.table("subscriptions");
    let mut ended: HashMap<&str, Option<i64>> = HashMap::new();
    for row in &subscriptions.rows {
        let ended_at = subscriptions.optional(row, "ended_at").map(instant);
        let latest = ended.entry(subscriptions.get(row, "customer_id")).or_insert(ended_at);
        *latest = latest.zip(ended_at).map(|(a, b)| a.max(b));
    }
    let responses = dataset.table("survey_responses");
    let (mut churning, mut staying) = (Vec::new(), Vec::new());
    for row in responses.rows.iter().filter(|row| responses.get(row, "kind") == "nps") {
        let Some(&ended_at) = ended.get(responses.get(row, "customer_id")) else { continue };
        let score: f64 = responses.get(row, "score").parse().expect("a number");
        match ended_at {
            Some(_) => churning.push(score),
            None => staying.push(score),
        }
    }
    let mean = |scores: &[f64]| scores.iter().sum::<f64>() / scores.len() as f64;
    assert!(!churning.is_empty() && !staying.is_empty());
    assert!(mean(&churning) + 0.5 < mean(&staying), "churning {} vs staying {}", mean(&churning), mean(&staying));
}
