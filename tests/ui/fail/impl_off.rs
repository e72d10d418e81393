use traced::traced;

struct Store;

#[traced(off)]
impl Store {
    fn get(&self, key: u64) {
        let _ = key;
    }
}

fn main() {}
