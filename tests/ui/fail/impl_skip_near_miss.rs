use traced::traced;

struct Store;

#[traced(skip(vlaue))]
impl Store {
    fn get(&self, key: u64) {
        let _ = key;
    }

    fn put(&self, key: u64, value: &str) {
        let _ = (key, value);
    }
}

fn main() {}
