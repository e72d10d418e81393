use traced::traced;

struct Store;

#[traced]
impl Store {
    #[traced = "get"]
    fn get(&self, key: u64) {
        let _ = key;
    }
}

fn main() {}
