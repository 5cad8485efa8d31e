//! One analyzer for both languages: jieba segments Chinese into words (search mode also
//! emits the shorter words inside long ones: 机场接送 → 机场, 接送, 机场接送) and keeps Latin
//! runs whole ("wifi密码" → wifi, 密码); punctuation and spaces are dropped; then lower case
//! and the English Snowball stemmer (breakfasts → breakfast; Chinese passes through).

use tantivy::tokenizer::{
    Language, LowerCaser, RemoveLongFilter, Stemmer, TextAnalyzer, Token, TokenStream, Tokenizer,
};
use tantivy_jieba::JiebaTokenizer;

/// The name the analyzer is registered under in the index.
pub const ANALYZER: &str = "kb";

/// jieba without the whitespace and punctuation tokens it emits between words.
#[derive(Clone, Default)]
pub struct WordTokenizer {
    jieba: JiebaTokenizer,
}

pub struct WordStream<S> {
    inner: S,
}

impl<S: TokenStream> TokenStream for WordStream<S> {
    fn advance(&mut self) -> bool {
        while self.inner.advance() {
            if self.inner.token().text.chars().any(char::is_alphanumeric) {
                return true;
            }
        }
        false
    }

    fn token(&self) -> &Token {
        self.inner.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.inner.token_mut()
    }
}

impl Tokenizer for WordTokenizer {
    type TokenStream<'a> = WordStream<<JiebaTokenizer as Tokenizer>::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        WordStream {
            inner: self.jieba.token_stream(text),
        }
    }
}

/// The index's analyzer (also used to analyze queries, so both sides agree).
pub fn analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(WordTokenizer::default())
        .filter(RemoveLongFilter::limit(64))
        .filter(LowerCaser)
        .filter(Stemmer::new(Language::English))
        .build()
}

/// The analyzed terms of `text`, each once, in order of first appearance.
pub fn terms(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut stream = analyzer.token_stream(text);
    while stream.advance() {
        let t = &stream.token().text;
        if !out.iter().any(|o| o == t) {
            out.push(t.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_is_segmented_into_words_and_latin_runs_stay_whole() {
        let mut a = analyzer();
        let t = terms(&mut a, "wifi密码是多少？");
        assert!(t.contains(&"wifi".to_string()), "{t:?}");
        assert!(t.contains(&"密码".to_string()), "{t:?}");
        assert!(!t.iter().any(|x| x == "？"), "{t:?}");
    }

    #[test]
    fn english_is_lower_cased_and_stemmed() {
        let mut a = analyzer();
        let t = terms(&mut a, "Breakfasts are Served");
        assert!(t.contains(&"breakfast".to_string()), "{t:?}");
        assert!(t.contains(&"serv".to_string()), "{t:?}");
    }
}
