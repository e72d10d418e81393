// A mistyped option (a typo, a letter too many, another case) names the one meant.
use opentelemetry::Context;
use traced::traced;

#[traced(nmae = "fetch user", skipp(id), kind_ = server, parnet = cx, record_error, Skip_All)]
fn fetch_user(id: u64, cx: &Context) {
    let _ = (id, cx);
}

fn main() {}
