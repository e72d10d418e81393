// An error on the impl must not turn the methods' own `#[traced(...)]` into
// stand-alone attributes with errors of their own: only the `name` error is expected.
use traced::traced;

struct Store;

#[traced(name = "store")]
impl Store {
    #[traced(off)]
    fn get(&self, key: u64) {
        let _ = key;
    }

    #[traced(skip(value))]
    fn put(&self, key: u64, value: &str) {
        let _ = (key, value);
    }
}

fn main() {}
