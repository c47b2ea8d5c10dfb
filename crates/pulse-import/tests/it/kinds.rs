//! One table per record kind: a file with good and bad rows, and exactly the messages the bad
//! rows must produce. Every case imports in all-or-nothing mode, so the good rows must not be
//! written either.

use pulse_store::ImportMode;

use crate::{Workspace, messages};

fn check(file: &str, text: &str, expected: &[&str]) {
    let mut workspace = Workspace::new();
    let kind = file.split('.').next().unwrap();
    let before = workspace.count(kind);
    let result = workspace.import(&[(file, text)], ImportMode::AllOrNothing);
    assert_eq!(messages(&result), expected, "messages for {file}");
    if expected.is_empty() {
        assert!(result.is_ok());
    } else {
        assert_eq!(workspace.count(kind), before, "nothing of a rejected import is written");
    }
}

#[test]
fn customers() {
    check(
        "customers.csv",
        "customer_id,name,created_at,employees,tier\n\
         c9,Ann,2024-03-05,12,gold\n\
         ,Bob,2024-03-05,,\n\
         c10,Bob,2024-02-30,,\n\
         c11,Bob,2024-03-05,-3,\n\
         c12,Bob,2024-03-05,many,\n",
        &[
            "customers.csv:3: column customer_id: is required",
            "customers.csv:4: column created_at: \"2024-02-30\" is not a valid timestamp (ISO 8601, e.g. 2024-03-05T14:30:00Z)",
            "customers.csv:5: column employees: \"-3\" may not be negative",
            "customers.csv:6: column employees: \"many\" is not a whole number",
        ],
    );
}

#[test]
fn leads() {
    check(
        "leads.csv",
        "lead_id,created_at,converted_at,customer_id,campaign_id,owner,utm_medium\n\
         l9,2024-03-05,2024-03-09,c1,k1,u1,cpc\n\
         l10,2024-03-05,2024-03-09,,,,\n\
         l11,2024-03-05,,,k9,,\n\
         l12,2024-03-05,,,,u9,\n",
        &[
            "leads.csv:3: column customer_id: is required when converted_at is set",
            "leads.csv:4: column campaign_id: \"k9\" is not in campaigns (neither stored nor in this import)",
            "leads.csv:5: column owner: \"u9\" is not in users (neither stored nor in this import)",
        ],
    );
}

#[test]
fn deals() {
    check(
        "deals.csv",
        "deal_id,customer_id,lead_id,owner,created_at,amount,status,closed_at\n\
         d9,c1,,u1,2024-03-01,1200.50,won,2024-03-20\n\
         d10,,,u1,2024-03-01,100,open,\n\
         d11,c1,,u1,2024-03-01,\"12,50\",open,\n\
         d12,c1,,u1,2024-03-01,100,won,\n\
         d13,c1,,u1,2024-03-10,100,lost,2024-03-01\n\
         d14,c1,,u1,2024-03-01,100,open,2024-03-05\n\
         d15,c1,,u1,2024-03-01,100,pending,\n\
         d16,c404,,u1,2024-03-01,100,open,\n\
         d17,,l1,u1,2024-03-01,100,WON,2024-03-02\n\
         d18,,l404,u1,2024-03-01,100,open,\n",
        &[
            "deals.csv:3: column customer_id/lead_id: one of them is required",
            "deals.csv:4: column amount: \"12,50\" is not a number",
            "deals.csv:5: column closed_at: is required when status is won",
            "deals.csv:6: column closed_at: \"2024-03-01T00:00:00Z\" is before created_at (2024-03-10T00:00:00Z)",
            "deals.csv:7: column closed_at: \"2024-03-05T00:00:00Z\" must be empty while the deal is open",
            "deals.csv:8: column status: \"pending\" is not one of open, won, lost",
            "deals.csv:9: column customer_id: \"c404\" is not in customers (neither stored nor in this import)",
            "deals.csv:11: column lead_id: \"l404\" is not in leads (neither stored nor in this import)",
        ],
    );
}

#[test]
fn deal_stage_changes() {
    // d1 was created 2024-01-01 and is open; d2 was created 2024-01-01 and closed 2024-02-01.
    check(
        "deal_stage_changes.csv",
        "deal_id,stage,entered_at\n\
         d1,Qualified,2024-01-05\n\
         d1,closing,2024-01-06\n\
         d1,lead,2023-12-31\n\
         d2,demo,2024-02-01\n\
         d1,demo,2024-01-05\n\
         d404,lead,2024-01-07\n\
         d2,lead,2024-01-01\n",
        &[
            "deal_stage_changes.csv:3: column stage: \"closing\" is not a pipeline stage (lead, qualified, demo, proposal, negotiation)",
            "deal_stage_changes.csv:4: column entered_at: \"2023-12-31T00:00:00Z\" is before the deal's created_at (2024-01-01T00:00:00Z)",
            "deal_stage_changes.csv:5: column entered_at: \"2024-02-01T00:00:00Z\" is at or after the deal's closed_at (2024-02-01T00:00:00Z)",
            "deal_stage_changes.csv:6: column deal_id/entered_at: \"d1, 2024-01-05T00:00:00Z\" has the same identity as line 2 of this import",
            "deal_stage_changes.csv:7: column deal_id: \"d404\" is not in deals (neither stored nor in this import)",
        ],
    );
}

#[test]
fn activities() {
    check(
        "activities.csv",
        "activity_id,at,owner,type,deal_id\n\
         a1,2024-03-01T10:00:00Z,u1,Call,d1\n\
         a2,2024-03-01T10:00:00Z,u1,fax,\n\
         a3,2024-03-01T10:00:00Z,,call,\n\
         a4,2024-03-01T10:00:00Z,u1,call,d404\n",
        &[
            "activities.csv:3: column type: \"fax\" is not one of call, email, meeting, message, task, note",
            "activities.csv:4: column owner: is required",
            "activities.csv:5: column deal_id: \"d404\" is not in deals (neither stored nor in this import)",
        ],
    );
}

#[test]
fn orders() {
    check(
        "orders.csv",
        "order_id,customer_id,at,amount,status,currency\n\
         o1,c1,2024-03-01,99.99,,\n\
         o2,c1,2024-03-01,0,paid,\n\
         o3,c1,2024-03-01,$5,paid,\n\
         o4,c1,2024-03-01,5,returned,\n\
         o5,c1,2024-03-01T24:00:00,5,paid,\n\
         o6,c1,2024-03-01,5,paid,EUR\n\
         o7,c1,2024-03-01,5,Refunded,usd\n",
        &[
            "orders.csv:3: column amount: \"0\" must be greater than 0",
            "orders.csv:4: column amount: \"$5\" is not a number",
            "orders.csv:5: column status: \"returned\" is not one of paid, refunded",
            "orders.csv:6: column at: \"2024-03-01T24:00:00\" is not a valid timestamp (ISO 8601, e.g. 2024-03-05T14:30:00Z)",
            "orders.csv:7: column currency: \"EUR\" is not the workspace currency USD (exchange rates are not configured)",
        ],
    );
}

#[test]
fn subscriptions() {
    check(
        "subscriptions.csv",
        "subscription_id,customer_id,started_at,ended_at,mrr,term_months\n\
         s9,c1,2024-01-01,,49,12\n\
         s10,c1,2024-02-01,2024-01-01,49,\n\
         s11,c1,2024-01-01,,-5,\n\
         s12,c1,2024-01-01,,5,0\n\
         s13,c1,2024-01-01,2024-01-01,0,\n",
        &[
            "subscriptions.csv:3: column ended_at: \"2024-01-01T00:00:00Z\" is before started_at (2024-02-01T00:00:00Z)",
            "subscriptions.csv:4: column mrr: \"-5\" may not be negative",
            "subscriptions.csv:5: column term_months: \"0\" must be at least 1",
        ],
    );
}

#[test]
fn subscription_changes() {
    // s1 runs from 2024-01-01 to 2024-06-01.
    check(
        "subscription_changes.csv",
        "subscription_id,at,mrr\n\
         s1,2024-02-01,99\n\
         s1,2023-12-01,99\n\
         s1,2024-06-01,99\n\
         s1,2024-01-01,0\n",
        &[
            "subscription_changes.csv:3: column at: \"2023-12-01T00:00:00Z\" is before the subscription's started_at (2024-01-01T00:00:00Z)",
            "subscription_changes.csv:4: column at: \"2024-06-01T00:00:00Z\" is at or after the subscription's ended_at (2024-06-01T00:00:00Z)",
        ],
    );
}

#[test]
fn tickets() {
    check(
        "tickets.csv",
        "ticket_id,customer_id,opened_at,first_response_at,resolved_at,agent_replies\n\
         t1,c1,2024-03-01T10:00:00Z,2024-03-01T11:00:00Z,2024-03-02T10:00:00Z,1\n\
         t2,c1,2024-03-01T10:00:00Z,2024-03-01T09:00:00Z,,\n\
         t3,,2024-03-01T10:00:00Z,,2024-03-01T09:59:59Z,\n\
         t4,,2024-03-01T10:00:00Z,,,1.5\n",
        &[
            "tickets.csv:3: column first_response_at: \"2024-03-01T09:00:00Z\" is before opened_at (2024-03-01T10:00:00Z)",
            "tickets.csv:4: column resolved_at: \"2024-03-01T09:59:59Z\" is before opened_at (2024-03-01T10:00:00Z)",
            "tickets.csv:5: column agent_replies: \"1.5\" is not a whole number",
        ],
    );
}

#[test]
fn survey_responses() {
    check(
        "survey_responses.csv",
        "response_id,customer_id,user_id,at,kind,score,scale_min,scale_max,reversed\n\
         r1,c1,,2024-03-01,nps,9.0,,,\n\
         r2,c1,,2024-03-01,nps,11,,,\n\
         r3,c1,,2024-03-01,nps,7.5,,,\n\
         r4,c1,,2024-03-01,nps,7,1,10,\n\
         r5,c1,,2024-03-01,ces,8,,,\n\
         r6,c1,,2024-03-01,ces,3,,5,true\n\
         r7,c1,,2024-03-01,csat,4,,,true\n\
         r8,,u1,2024-03-01,enps,10,0,10,\n\
         r9,c1,,2024-03-01,ces,5,5,5,\n\
         r10,c1,,2024-03-01,poll,5,,,\n\
         r11,,u9,2024-03-01,enps,3,,,\n",
        &[
            "survey_responses.csv:3: column score: \"11\" is outside the scale 0–10",
            "survey_responses.csv:4: column score: \"7.5\" must be a whole number 0–10",
            "survey_responses.csv:5: column scale_min: \"1\" must be empty or 0: the nps scale is fixed at 0–10",
            "survey_responses.csv:6: column score: \"8\" is outside the scale 1–7",
            "survey_responses.csv:8: column reversed: \"true\" is allowed only on ces responses, not csat",
            "survey_responses.csv:10: column scale_min/scale_max: \"5/5\" the minimum must be below the maximum",
            "survey_responses.csv:11: column kind: \"poll\" is not one of nps, ces, csat, enps",
            "survey_responses.csv:12: column user_id: \"u9\" is not in users (neither stored nor in this import)",
        ],
    );
}

#[test]
fn campaigns() {
    check(
        "campaigns.csv",
        "campaign_id,name,channel,started_at,ended_at\n\
         k2,Spring,email,2024-03-01,2024-04-01\n\
         k3,,email,2024-03-01,\n",
        &["campaigns.csv:3: column name: is required"],
    );
}

#[test]
fn marketing_spend() {
    check(
        "marketing_spend.csv",
        "date,channel,campaign_id,amount,purpose\n\
         2024-03-01,email,k1,100.00,\n\
         2024-03-01,email,k1,50,acquisition\n\
         2024-03-01,email,,100,awareness\n\
         2024-03-01,email,k1,70,retention\n\
         2024-03-01,email,k404,70,brand\n",
        &[
            "marketing_spend.csv:3: column date/channel/campaign_id/purpose: \"2024-03-01T00:00:00Z, email, k1, acquisition\" has the same identity as line 2 of this import",
            "marketing_spend.csv:4: column purpose: \"awareness\" is not one of acquisition, retention, brand",
            "marketing_spend.csv:6: column campaign_id: \"k404\" is not in campaigns (neither stored nor in this import)",
        ],
    );
}

#[test]
fn web_traffic() {
    check(
        "web_traffic.csv",
        "date,source,visitors,sessions,avg_session_seconds,purchases\n\
         2024-03-01,organic,100,120,65.5,3\n\
         2024-03-02,organic,-1,,,\n\
         2024-03-03,organic,10,,soon,\n",
        &[
            "web_traffic.csv:3: column visitors: \"-1\" may not be negative",
            "web_traffic.csv:4: column avg_session_seconds: \"soon\" is not a number",
        ],
    );
}

#[test]
fn email_list() {
    check(
        "email_list.csv",
        "date,subscribed,unsubscribed,bounced,list_size\n\
         2024-03-01,10,2,1,500\n\
         2024-03-02,5,,1,\n",
        &["email_list.csv:3: column unsubscribed: is required"],
    );
}

#[test]
fn users() {
    check(
        "users.csv",
        "user_id,name,created_at,licensed,deactivated_at\n\
         u2,Eve,2024-01-01,no,2024-05-01\n\
         u3,Max,2024-01-01,maybe,\n",
        &["users.csv:3: column licensed: \"maybe\" is not a boolean (true/false, yes/no, 1/0)"],
    );
}

#[test]
fn usage_events() {
    check(
        "usage_events.csv",
        "user_id,at,action\n\
         u1,2024-03-01T09:00:00Z,login\n\
         u404,2024-03-01T09:00:00Z,login\n\
         u1,2024-03-01T09:00:00Z,login\n",
        &[
            "usage_events.csv:3: column user_id: \"u404\" is not in users (neither stored nor in this import)",
            "usage_events.csv:4: column user_id/at/action: \"u1, 2024-03-01T09:00:00Z, login\" has the same identity as line 2 of this import",
        ],
    );
}

#[test]
fn social_mentions() {
    check(
        "social_mentions.csv",
        "mention_id,at,platform,text,likes\n\
         m1,2024-03-01,x,Loving it,4\n\
         m2,2024-03-01,x,,\n",
        &["social_mentions.csv:3: column text: is required"],
    );
}
