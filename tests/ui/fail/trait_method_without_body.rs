use traced::traced;

trait Store {
    #[traced]
    fn get(&self, key: u64) -> Option<String>;
}

fn main() {}
