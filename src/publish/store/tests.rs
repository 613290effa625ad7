use std::sync::Mutex;

use async_trait::async_trait;
use futures::stream::BoxStream;
use object_store::memory::InMemory;
use object_store::{
    CopyOptions, GetOptions, GetResult, ListResult, MultipartUpload, ObjectMeta,
    PutMultipartOptions, PutOptions, PutResult,
};

use super::*;

/// An in-memory store that records the order of uploads and can refuse one key.
#[derive(Debug, Default)]
struct Recording {
    inner: InMemory,
    puts: Mutex<Vec<String>>,
    refuse: Mutex<Option<String>>,
}

impl std::fmt::Display for Recording {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Recording")
    }
}

#[async_trait]
impl ObjectStore for Recording {
    async fn put_opts(
        &self,
        location: &Key,
        payload: PutPayload,
        opts: PutOptions,
    ) -> object_store::Result<PutResult> {
        if self.refuse.lock().unwrap().as_deref() == Some(location.as_ref()) {
            return Err(object_store::Error::Generic { store: "test", source: "refused".into() });
        }
        self.puts.lock().unwrap().push(location.to_string());
        self.inner.put_opts(location, payload, opts).await
    }

    async fn put_multipart_opts(
        &self,
        location: &Key,
        opts: PutMultipartOptions,
    ) -> object_store::Result<Box<dyn MultipartUpload>> {
        self.inner.put_multipart_opts(location, opts).await
    }

    async fn get_opts(
        &self,
        location: &Key,
        options: GetOptions,
    ) -> object_store::Result<GetResult> {
        self.inner.get_opts(location, options).await
    }

    fn delete_stream(
        &self,
        locations: BoxStream<'static, object_store::Result<Key>>,
    ) -> BoxStream<'static, object_store::Result<Key>> {
        self.inner.delete_stream(locations)
    }

    fn list(&self, prefix: Option<&Key>) -> BoxStream<'static, object_store::Result<ObjectMeta>> {
        self.inner.list(prefix)
    }

    async fn list_with_delimiter(&self, prefix: Option<&Key>) -> object_store::Result<ListResult> {
        self.inner.list_with_delimiter(prefix).await
    }

    async fn copy_opts(
        &self,
        from: &Key,
        to: &Key,
        options: CopyOptions,
    ) -> object_store::Result<()> {
        self.inner.copy_opts(from, to, options).await
    }
}

impl Recording {
    fn take_puts(&self) -> Vec<String> {
        std::mem::take(&mut *self.puts.lock().unwrap())
    }

    async fn keys(&self) -> Vec<String> {
        let mut keys: Vec<String> =
            self.inner.list(None).map_ok(|m| m.location.to_string()).try_collect().await.unwrap();
        keys.sort();
        keys
    }

    async fn text(&self, key: &str) -> String {
        let found = self.inner.get(&Key::from(key)).await.unwrap();
        String::from_utf8(found.bytes().await.unwrap().to_vec()).unwrap()
    }
}

fn manifest(title: &str) -> Manifest {
    serde_json::from_value(serde_json::json!({
        "version": 2, "title": title, "byline": null, "language": "en",
        "source": {"path": "a.txt", "sha256": "00"}, "backend": "tone", "voice": "tone",
        "duration_ms": 1000, "audio": [], "chapters": [], "skipped": [],
        "segments": [{"id": 0, "chapter": 0, "kind": "headline", "text": title,
                      "start_ms": 0, "end_ms": 900}]
    }))
    .unwrap()
}

/// Stage `files` (name, content) for `id` as a narration would write them.
fn staged(output: &OutputStore, id: &str, files: &[(&str, &str)]) -> Staging {
    let staging = output.stage(id).unwrap();
    for (name, content) in files {
        std::fs::write(staging.dir().join(name), content).unwrap();
    }
    staging
}

fn output() -> (Arc<Recording>, OutputStore) {
    let store = Arc::new(Recording::default());
    let output = OutputStore::objects(store.clone(), "s3://bucket/pub", 300);
    (store, output)
}

#[tokio::test]
async fn every_file_goes_up_under_the_id_and_the_manifest_goes_up_last() {
    let (store, output) = output();
    let files = [("a.mp3", "audio"), ("a.chapters.json", "{}"), ("a.json", "{\"m\":1}")];
    let staging = staged(&output, "a", &files);
    output.publish("a", &staging, &manifest("A")).await.unwrap();
    let puts = store.take_puts();
    assert_eq!(puts.last().map(String::as_str), Some("a/a.json"), "{puts:?}");
    assert_eq!(
        store.keys().await,
        ["a/a.chapters.json", "a/a.json", "a/a.mp3", "a/a.transcript.vtt"]
    );
    assert_eq!(store.text("a/a.mp3").await, "audio");
    assert!(store.text("a/a.transcript.vtt").await.contains("\nA\n"));
}

#[tokio::test]
async fn a_new_generation_removes_what_the_old_one_wrote_and_it_did_not() {
    let (store, output) = output();
    let old = staged(&output, "a", &[("a.mp3", "v1"), ("a.wav", "v1"), ("a.json", "{}")]);
    output.publish("a", &old, &manifest("Old")).await.unwrap();
    // Another article whose id starts the same is not this one's.
    let other = staged(&output, "ab", &[("ab.mp3", "x"), ("ab.json", "{}")]);
    output.publish("ab", &other, &manifest("Other")).await.unwrap();
    let new = staged(&output, "a", &[("a.mp3", "v2"), ("a.json", "{}")]);
    output.publish("a", &new, &manifest("New")).await.unwrap();
    assert_eq!(
        store.keys().await,
        [
            "a/a.json",
            "a/a.mp3",
            "a/a.transcript.vtt",
            "ab/ab.json",
            "ab/ab.mp3",
            "ab/ab.transcript.vtt"
        ]
    );
    assert_eq!(store.text("a/a.mp3").await, "v2");
}

#[tokio::test]
async fn a_refused_upload_fails_naming_the_key_and_leaves_the_old_manifest() {
    let (store, output) = output();
    let old = staged(&output, "a", &[("a.mp3", "v1"), ("a.json", "old")]);
    output.publish("a", &old, &manifest("Old")).await.unwrap();
    *store.refuse.lock().unwrap() = Some("a/a.mp3".into());
    let new = staged(&output, "a", &[("a.mp3", "v2"), ("a.json", "new")]);
    let err = output.publish("a", &new, &manifest("New")).await.unwrap_err().to_string();
    assert!(err.contains("s3://bucket/pub/a/a.mp3") && err.contains("cannot upload"), "{err}");
    assert_eq!(store.text("a/a.json").await, "old");
    assert_eq!(store.text("a/a.mp3").await, "v1");
}

#[tokio::test]
async fn removing_an_article_deletes_every_object_under_its_id_and_nothing_else() {
    let (store, output) = output();
    for id in ["a", "ab"] {
        let json = format!("{id}.json");
        let staging = staged(&output, id, &[(&format!("{id}.mp3"), "x"), (&json, "{}")]);
        output.publish(id, &staging, &manifest(id)).await.unwrap();
    }
    assert!(output.remove("a").await.unwrap());
    assert_eq!(store.keys().await, ["ab/ab.json", "ab/ab.mp3", "ab/ab.transcript.vtt"]);
    assert!(!output.remove("a").await.unwrap(), "nothing left to remove");
}

#[tokio::test]
async fn a_staging_directory_is_gone_once_its_job_is_published() {
    let (_, output) = output();
    let staging = staged(&output, "a", &[("a.json", "{}")]);
    let dir = staging.dir().to_path_buf();
    output.publish("a", &staging, &manifest("A")).await.unwrap();
    drop(staging);
    assert!(!dir.exists());
}

#[test]
fn a_url_names_a_local_directory_or_an_object_store() {
    assert_eq!(
        OutputStore::open("file:///srv/audio", 300).unwrap().local_dir(),
        Some(Path::new("/srv/audio"))
    );
    assert_eq!(OutputStore::open("out", 300).unwrap().local_dir(), Some(Path::new("out")));
    let err = OutputStore::open("gs://bucket", 300).unwrap_err().to_string();
    assert!(err.contains("output url") && err.contains("s3://bucket/prefix"), "{err}");
}
