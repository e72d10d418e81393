use traced::traced;

struct Store;

#[traced(name = "store")]
impl Store {
    fn get(&self, key: u64) {
        let _ = key;
    }
}

fn main() {}
