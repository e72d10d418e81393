use traced::traced;

#[traced(record_err)]
#[track_caller]
fn parse(text: &str) -> Result<u32, std::num::ParseIntError> {
    text.parse()
}

#[traced(ret)]
#[track_caller]
fn length(text: &str) -> usize {
    text.len()
}

fn main() {}
