// A method's own options are checked like a function's, inside a `#[traced] impl`.
use traced::traced;

struct Store;

#[traced]
impl Store {
    #[traced(kind = sideways)]
    fn get(&self, key: u64) {
        let _ = key;
    }

    #[traced(record_err)]
    fn clear(&self) {}
}

fn main() {}
