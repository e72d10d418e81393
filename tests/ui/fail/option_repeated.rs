use traced::traced;

#[traced(ret, kind = server, ret)]
fn answer() -> u32 {
    42
}

fn main() {}
