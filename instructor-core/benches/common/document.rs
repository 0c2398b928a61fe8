//! The benchmark document, shared by `benches/partial_json.rs` and
//! `examples/partial_json_instructions.rs`.

/// An ASCII JSON object of about `kb` KB shaped like model output: a list of records with
/// strings (some escaped), integers, floats with exponents, booleans, nulls and nested arrays.
pub fn document(kb: usize) -> String {
    let mut items = Vec::new();
    let mut len = 0;
    let mut i = 0u64;
    while len < kb * 1024 {
        let item = format!(
            r#"{{"id":{i},"name":"Person number {i}","email":"person{i}@example.com","age":{},"score":{}e-2,"active":{},"manager":null,"tags":["alpha","beta \"quoted\"","caf\u00e9 \ud83d\ude00"],"address":{{"street":"{} Main Street","city":"Springfield","zip":"{:05}"}},"bio":"Lorem ipsum dolor sit amet, consectetur adipiscing elit.\nSed do eiusmod tempor."}}"#,
            20 + i % 60,
            (i * 7919) % 100_000,
            i % 2 == 0,
            i * 3,
            i * 11 % 100_000
        );
        len += item.len() + 1;
        items.push(item);
        i += 1;
    }
    let doc = format!(
        r#"{{"title":"benchmark","count":{i},"items":[{}]}}"#,
        items.join(",")
    );
    assert!(doc.is_ascii(), "4-byte chunks must fall on char boundaries");
    doc
}
