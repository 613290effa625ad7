use object_store::ObjectStoreExt;
use object_store::memory::InMemory;

use super::*;

fn manifest(title: &str) -> serde_json::Value {
    serde_json::json!({
        "version": 2, "title": title, "byline": null, "language": "en",
        "source": {"path": "a.txt", "sha256": "00"}, "backend": "tone", "voice": "tone",
        "duration_ms": 4000, "chapters": [], "skipped": [],
        "audio": [{"file": "placeholder", "format": "mp3", "sample_rate": 24000, "channels": 1}],
        "segments": [{"id": 0, "chapter": 0, "kind": "headline", "text": title,
                      "start_ms": 0, "end_ms": 1500}]
    })
}

async fn put(store: &InMemory, key: &str, bytes: Vec<u8>) {
    store.put(&Key::from(key), bytes.into()).await.unwrap();
}

/// Publish `id` as serve lays it out: audio first, then the manifest naming it.
async fn publish(store: &InMemory, id: &str, title: &str, audio_bytes: usize) {
    put(store, &format!("{id}/{id}.mp3"), vec![0; audio_bytes]).await;
    let mut m = manifest(title);
    m["audio"][0]["file"] = format!("{id}.mp3").into();
    put(store, &format!("{id}/{id}.json"), m.to_string().into_bytes()).await;
    // Upload times order the episodes; keep them distinct.
    tokio::time::sleep(std::time::Duration::from_millis(3)).await;
}

async fn text(store: &InMemory, key: &str) -> Option<String> {
    let found = store.get(&Key::from(key)).await.ok()?;
    Some(String::from_utf8(found.bytes().await.unwrap().to_vec()).unwrap())
}

fn options() -> FeedOptions {
    FeedOptions::new("https://cdn.example.com/pub/", "News")
}

#[tokio::test]
async fn each_id_manifest_becomes_an_episode_with_its_audio_size_chapters_and_transcript() {
    let store = Arc::new(InMemory::new());
    publish(&store, "a", "Story A", 1234).await;
    put(&store, "a/a.chapters.json", b"{}".to_vec()).await;
    // Neither a chapters file nor JSON elsewhere is an episode.
    put(&store, "notes/other.json", manifest("Stray").to_string().into_bytes()).await;
    let feed = StoreFeed::new(store.clone(), "s3://bucket/pub", 300);
    assert_eq!(feed.write(&options()).await.unwrap(), 1);
    let xml = text(&store, "feed.xml").await.unwrap();
    assert!(
        xml.contains(
            "<enclosure url=\"https://cdn.example.com/pub/a/a.mp3\" length=\"1234\" \
             type=\"audio/mpeg\"/>"
        ),
        "{xml}"
    );
    assert!(xml.contains("https://cdn.example.com/pub/a/a.chapters.json"), "{xml}");
    assert!(xml.contains("https://cdn.example.com/pub/a/a.transcript.vtt"), "{xml}");
    assert!(!xml.contains("Stray"), "{xml}");
    let vtt = text(&store, "a/a.transcript.vtt").await.unwrap();
    assert!(vtt.starts_with("WEBVTT") && vtt.contains("Story A"), "{vtt}");
}

#[tokio::test]
async fn only_the_most_recently_uploaded_episodes_are_listed_up_to_the_limit() {
    let store = Arc::new(InMemory::new());
    for id in ["old", "middle", "new"] {
        publish(&store, id, &format!("Story {id}"), 10).await;
    }
    let feed = StoreFeed::new(store.clone(), "s3://bucket/pub", 2);
    assert_eq!(feed.write(&options()).await.unwrap(), 2);
    let xml = text(&store, "feed.xml").await.unwrap();
    assert!(xml.contains("Story new") && xml.contains("Story middle"), "{xml}");
    assert!(!xml.contains("Story old"), "{xml}");
    // Republishing the oldest makes it the newest.
    publish(&store, "old", "Story old, edited", 10).await;
    feed.write(&options()).await.unwrap();
    let xml = text(&store, "feed.xml").await.unwrap();
    assert!(xml.contains("Story old, edited") && xml.contains("Story new"), "{xml}");
    assert!(!xml.contains("Story middle"), "{xml}");
}

#[tokio::test]
async fn a_changed_manifest_is_read_again_and_a_removed_one_leaves_the_feed() {
    let store = Arc::new(InMemory::new());
    publish(&store, "a", "First title", 10).await;
    publish(&store, "b", "Other story", 10).await;
    let feed = StoreFeed::new(store.clone(), "s3://bucket/pub", 300);
    feed.write(&options()).await.unwrap();
    publish(&store, "a", "Second title", 20).await;
    store.delete(&Key::from("b/b.json")).await.unwrap();
    assert_eq!(feed.write(&options()).await.unwrap(), 1);
    let xml = text(&store, "feed.xml").await.unwrap();
    assert!(xml.contains("Second title") && xml.contains("length=\"20\""), "{xml}");
    assert!(!xml.contains("First title") && !xml.contains("Other story"), "{xml}");
}

#[tokio::test]
async fn a_manifest_whose_audio_is_missing_is_not_an_episode() {
    let store = Arc::new(InMemory::new());
    publish(&store, "a", "Story A", 10).await;
    store.delete(&Key::from("a/a.mp3")).await.unwrap();
    let feed = StoreFeed::new(store.clone(), "s3://bucket/pub", 300);
    assert_eq!(feed.write(&options()).await.unwrap(), 0);
    assert!(!text(&store, "feed.xml").await.unwrap().contains("<item>"));
}
