// `off` leaves the method as it is, so any other option beside it is ignored:
// it should be refused rather than silently dropped.
use traced::traced;

struct Store;

#[traced]
impl Store {
    #[traced(off, ret)]
    fn len(&self) -> usize {
        0
    }
}

fn main() {}
