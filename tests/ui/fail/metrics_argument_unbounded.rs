use traced::traced;

#[traced(metrics(attrs(user = user_id)))]
fn load(user_id: u64) -> u64 {
    user_id
}

fn main() {}
