//! Importing a generated 10,000-question XLSForm (issue 5 asks for under 1 s; pyxform's
//! time for the same form, whole process against `tianye import`, is measured by
//! `cargo xtask bench --peers`). Run with
//! `cargo bench -p tianye-core --features xlsform --bench xlsform_import`.
//! Peak memory is measured by `cargo run --release -p tianye-core --features xlsform
//! --example xlsform_peak` (the figure is in README).

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use tianye_core::xlsform::{self, Format, Options};

#[path = "support/xlsform_gen.rs"]
mod xlsform_gen;

fn bench(c: &mut Criterion) {
    let book = xlsform_gen::workbook(10_000);
    let xlsx = book.to_xlsx().expect("write xlsx");
    let md = book.to_markdown();
    let mut group = c.benchmark_group("xlsform_import_10000");
    group.sample_size(10);
    group.bench_function("xlsx", |b| {
        b.iter(|| {
            xlsform::import_bytes(black_box(&xlsx), Format::Xlsx, &Options::default()).unwrap()
        });
    });
    group.bench_function("markdown", |b| {
        b.iter(|| {
            xlsform::import_bytes(black_box(md.as_bytes()), Format::Markdown, &Options::default())
                .unwrap()
        });
    });
    group.bench_function("rows_only", |b| {
        b.iter(|| xlsform::import(black_box(&book), &Options::default()).unwrap());
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
