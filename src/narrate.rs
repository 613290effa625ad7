//! Runs the whole pipeline for one article.
