//! The same storage suite against moto_server, a second and independent DynamoDB
//! implementation (installed by infra/tools/install into .venv). moto's DynamoDB is not
//! atomic under concurrent requests, so the concurrency tests run on dynoxide only.

#![allow(clippy::unwrap_used)] // tests fail loudly

mod common;
mod suite;

use openday_local_dynamo::MotoServer;

use common::store;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn storage_suite_on_moto() {
    let moto = MotoServer::start().expect("moto_server");
    let client = moto.client();
    suite::directory_import_and_subtree(&store(&client).await).await;
    suite::plans_come_a_page_at_a_time(&store(&client).await).await;
    suite::sheets_keep_the_latest_reading(&store(&client).await).await;
    suite::plans_keep_versions_and_history(&store(&client).await).await;
    suite::plans_are_listed_by_owner_and_subtree(&store(&client).await).await;
    suite::an_announcement_opens_registration(&store(&client).await).await;
    suite::registrations_fill_seats_then_the_waitlist(&store(&client).await).await;
    suite::personal_data_is_kept_masked_with_a_ttl(&store(&client).await, &client).await;
    suite::feedback_evaluations_and_the_response(&store(&client).await).await;
    suite::feedback_is_limited_per_phone_and_day(&store(&client).await).await;
    suite::sms_codes_are_limited_checked_and_burned(&store(&client).await).await;
    suite::sign_ins_are_single_use_and_sessions_revocable(&store(&client).await).await;
    suite::check_in_admits_the_confirmed_once(&store(&client).await).await;
    suite::a_cancelled_event_takes_no_registrations(&store(&client).await).await;
    suite::a_registration_checks_the_phones_code_in_its_own_write(&store(&client).await).await;
    suite::one_annual_report_per_year(&store(&client).await).await;
    suite::findings_are_recorded_once_and_resolved(&store(&client).await).await;
    suite::the_outbox_keeps_each_message_once(&store(&client).await).await;
    suite::the_due_index_returns_what_is_due(&store(&client).await).await;
    suite::programmes_keep_every_version(&store(&client).await).await;
}

/// The limits' counters and the try counters under simultaneous requests, on moto too. moto
/// does not isolate overlapping conditional writes, so a race may count one past a cap there;
/// the exact counts are proven on dynoxide (see `suite::Isolation`).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn counters_and_guesses_on_moto() {
    let moto = MotoServer::start().expect("moto_server");
    let client = moto.client();
    let isolation = suite::Isolation::Moto;
    suite::counters_grant_up_to_their_limit_and_count_refusals(&store(&client).await, isolation)
        .await;
    suite::simultaneous_sms_guesses_never_pass_the_fifth(&store(&client).await, &client, isolation)
        .await;
    suite::simultaneous_sign_in_guesses_never_pass_the_fifth(
        &store(&client).await,
        &client,
        isolation,
    )
    .await;
}
