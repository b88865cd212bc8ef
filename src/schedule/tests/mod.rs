//! Tests of schedules and change windows, by behaviour.

mod change_tests;
mod cron_tests;
mod dst_tests;
mod in_force_tests;
mod parse_tests;
mod proptests;
mod report_tests;
mod support;
mod wakeup_tests;
mod window_tests;
