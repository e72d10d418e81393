use traced::traced;

struct Store;

impl Store {
    #[traced(skip(self))]
    fn get(&self, key: u64) {
        let _ = key;
    }
}

fn main() {}
