//! Times the render streaming core until the CLI wires `imagescan render` (bench/render.sh
//! uses it as a stand-in): `render_stream DIR [--scan-markers] [--buffered]` writes the
//! rendered stream of DIR to stdout. `--scan-markers` adds a `memmem` search for
//! `$imagescan` over every file (what the marker resolver costs at the least);
//! `--buffered` collects the whole output in memory and writes it at the end (the
//! all-or-nothing mode); `--plain` only reads and writes the files (the floor);
//! `--verbose` prints counts on stderr.

use std::convert::Infallible;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::process::ExitCode;

use imagescan::render::{RenderOptions, render};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(dir) = args.iter().find(|a| !a.starts_with("--")) else {
        let _ = writeln!(
            std::io::stderr(),
            "usage: render_stream DIR [--scan-markers] [--buffered]"
        );
        return ExitCode::from(2);
    };
    let scan = args.iter().any(|a| a == "--scan-markers");
    let buffered = args.iter().any(|a| a == "--buffered");
    let finder = memchr::memmem::Finder::new(b"$imagescan");
    let mut markers = 0usize;
    let transform = |_: &Path, bytes: &[u8]| -> Result<Option<Vec<u8>>, Infallible> {
        if scan {
            markers += finder.find_iter(bytes).count();
        }
        Ok(None)
    };
    let stdout = std::io::stdout();
    if args.iter().any(|a| a == "--plain") {
        // Baseline: the same files read into one buffer and written, nothing else.
        use std::io::Read;
        let files = imagescan::render::manifest_files(Path::new(dir), &Default::default()).unwrap();
        let mut out = BufWriter::with_capacity(1 << 20, stdout.lock());
        let mut buffer = Vec::new();
        for file in files {
            buffer.clear();
            std::fs::File::open(&file.path)
                .unwrap()
                .read_to_end(&mut buffer)
                .unwrap();
            out.write_all(&buffer).unwrap();
        }
        out.flush().unwrap();
        return ExitCode::SUCCESS;
    }
    let result = if buffered {
        let mut out = Vec::new();
        render(
            Path::new(dir),
            &RenderOptions::default(),
            transform,
            &mut out,
        )
        .map(|summary| (summary, stdout.lock().write_all(&out)))
    } else {
        let out = BufWriter::with_capacity(1 << 20, stdout.lock());
        render(Path::new(dir), &RenderOptions::default(), transform, out).map(|s| (s, Ok(())))
    };
    match result {
        Ok((summary, Ok(()))) if args.iter().any(|a| a == "--verbose") => {
            let _ = writeln!(
                std::io::stderr(),
                "{} files, {} documents, {} bytes read, {} written, {markers} markers seen",
                summary.files,
                summary.documents,
                summary.bytes_read,
                summary.bytes_written
            );
            ExitCode::SUCCESS
        }
        Ok((_, Ok(()))) => ExitCode::SUCCESS,
        Ok((_, Err(err))) => {
            let _ = writeln!(std::io::stderr(), "render_stream: {err}");
            ExitCode::from(1)
        }
        Err(err) => {
            let _ = writeln!(std::io::stderr(), "render_stream: {err}");
            ExitCode::from(1)
        }
    }
}
