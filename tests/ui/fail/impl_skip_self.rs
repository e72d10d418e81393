use traced::traced;

struct Store;

#[traced(skip(self))]
impl Store {
    fn get(&self, key: u64) {
        let _ = key;
    }
}

fn main() {}
