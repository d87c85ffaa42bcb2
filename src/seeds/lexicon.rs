//! The cleaner's vocabulary beyond English: page furniture in French,
//! German, Spanish and Russian, kept as data so that a language is added by
//! adding words, never by writing a new rule.
//!
//! The English furniture stays in the regexes beside each rule (its forms
//! are many and were tuned first); these lists hold what those regexes
//! cannot know. Every entry is written in lowercase NFC and compared with a
//! line folded the same way (`fold`), so "Menü", "MENÜ" and a decomposed
//! "Menu\u{308}" all match, and Russian "ё" matches "е".

use unicode_normalization::UnicodeNormalization;

/// Whole-line widget labels: menus, account links, share and donation
/// buttons, cookie-banner buttons.
pub(super) const WIDGET_LINES: &[&str] = &[
    // French
    "menu principal",
    "accueil",
    "rechercher",
    "recherche",
    "s'abonner",
    "abonnez-vous",
    "je m'abonne",
    "abonnement",
    "partager",
    "partager cet article",
    "partager sur facebook",
    "partager sur twitter",
    "partager sur x",
    "faire un don",
    "je fais un don",
    "soutenez-nous",
    "nous soutenir",
    "se connecter",
    "connexion",
    "déconnexion",
    "s'inscrire",
    "mon compte",
    "publicité",
    "tout accepter",
    "tout refuser",
    "accepter et fermer",
    "paramétrer les cookies",
    "gérer les cookies",
    "imprimer",
    "fermer",
    "aller au contenu",
    "retour en haut",
    "suivez-nous",
    "lire la suite",
    "lire plus",
    "voir plus",
    "envoyer par e-mail",
    "copier le lien",
    // German
    "menü",
    "hauptmenü",
    "startseite",
    "suche",
    "suchen",
    "abonnieren",
    "jetzt abonnieren",
    "abo",
    "abo abschließen",
    "teilen",
    "artikel teilen",
    "auf facebook teilen",
    "spenden",
    "jetzt spenden",
    "unterstützen sie uns",
    "anmelden",
    "abmelden",
    "einloggen",
    "registrieren",
    "mein konto",
    "werbung",
    "anzeige",
    "alle akzeptieren",
    "alle ablehnen",
    "akzeptieren",
    "ablehnen",
    "cookie-einstellungen",
    "einstellungen",
    "drucken",
    "schließen",
    "zum inhalt springen",
    "nach oben",
    "weiterlesen",
    "mehr lesen",
    "mehr anzeigen",
    "link kopieren",
    "per e-mail senden",
    "folgen sie uns",
    // Spanish
    "menú",
    "menú principal",
    "inicio",
    "portada",
    "buscar",
    "suscríbete",
    "suscribirse",
    "suscríbase",
    "compartir",
    "compartir en facebook",
    "compartir en twitter",
    "donar",
    "haz una donación",
    "dona ahora",
    "apóyanos",
    "iniciar sesión",
    "cerrar sesión",
    "regístrate",
    "registrarse",
    "mi cuenta",
    "publicidad",
    "aceptar",
    "aceptar todo",
    "aceptar todas",
    "rechazar todo",
    "rechazar",
    "configurar cookies",
    "imprimir",
    "cerrar",
    "ir al contenido",
    "volver arriba",
    "leer más",
    "seguir leyendo",
    "ver más",
    "copiar enlace",
    "enviar por correo",
    "síguenos",
    // Russian
    "меню",
    "главное меню",
    "главная",
    "поиск",
    "найти",
    "подписаться",
    "подпишитесь",
    "поделиться",
    "поддержать",
    "поддержите нас",
    "пожертвовать",
    "войти",
    "вход",
    "выйти",
    "регистрация",
    "зарегистрироваться",
    "личный кабинет",
    "реклама",
    "принять",
    "принять все",
    "отклонить",
    "настройки cookie",
    "настройки файлов cookie",
    "печать",
    "распечатать",
    "закрыть",
    "наверх",
    "перейти к содержанию",
    "читать далее",
    "читать дальше",
    "подробнее",
    "показать еще",
    "копировать ссылку",
    "мы в соцсетях",
];

/// Lines that open with these and run to the end are cross-links, not text:
/// "Lire aussi : …", "Lesen Sie auch: …".
pub(super) const CROSS_LINK_PREFIXES: &[&str] = &[
    "lire aussi",
    "à lire aussi",
    "voir aussi",
    "lesen sie auch",
    "auch interessant",
    "mehr dazu",
    "lea también",
    "lee también",
    "te puede interesar",
    "ver también",
    "читайте также",
    "читать также",
    "смотрите также",
    "см. также",
];

/// Phrases that only boilerplate uses, even inside a sentence: cookie
/// banners, newsletter boxes, donation appeals, copyright lines.
pub(super) const BOILERPLATE_PHRASES: &[&str] = &[
    // French
    "nous utilisons des cookies",
    "utilise des cookies",
    "en poursuivant votre navigation",
    "inscrivez-vous à notre newsletter",
    "abonnez-vous à notre newsletter",
    "recevez notre newsletter",
    "soutenez notre journalisme",
    "soutenez une rédaction",
    "tous droits réservés",
    "votre adresse e-mail ne sera pas publiée",
    "votre adresse de messagerie ne sera pas publiée",
    // German
    "wir verwenden cookies",
    "wir nutzen cookies",
    "verwendet cookies",
    "nutzt cookies",
    "melden sie sich für unseren newsletter an",
    "newsletter abonnieren",
    "unterstützen sie unseren journalismus",
    "unterstützen sie unabhängigen journalismus",
    "alle rechte vorbehalten",
    "ihre e-mail-adresse wird nicht veröffentlicht",
    // Spanish
    "utilizamos cookies",
    "usamos cookies",
    "utiliza cookies",
    "si continúa navegando",
    "si sigues navegando",
    "suscríbete a nuestro boletín",
    "suscríbete a nuestra newsletter",
    "apoya nuestro periodismo",
    "apoya el periodismo independiente",
    "todos los derechos reservados",
    "tu dirección de correo electrónico no será publicada",
    // Russian
    "мы используем cookie",
    "мы используем файлы cookie",
    "использует файлы cookie",
    "продолжая пользоваться сайтом",
    "продолжая использовать сайт",
    "подпишитесь на нашу рассылку",
    "подпишитесь на наш канал",
    "поддержите нашу редакцию",
    "поддержите независимую журналистику",
    "все права защищены",
    "ваш адрес email не будет опубликован",
    "ваш e-mail не будет опубликован",
];

/// Headings of "more to read" boxes that end articles.
pub(super) const TAIL_SECTIONS: &[&str] = &[
    "articles liés",
    "articles similaires",
    "sur le même sujet",
    "à lire aussi",
    "lire aussi",
    "les plus lus",
    "dans la même rubrique",
    "à lire également",
    "ähnliche artikel",
    "mehr zum thema",
    "das könnte sie auch interessieren",
    "meistgelesen",
    "meistgelesene artikel",
    "weitere artikel",
    "artículos relacionados",
    "noticias relacionadas",
    "te puede interesar",
    "lo más leído",
    "también te puede interesar",
    "más noticias",
    "похожие статьи",
    "по теме",
    "материалы по теме",
    "читайте также",
    "самое читаемое",
    "популярное",
    "другие новости",
];

/// Headings and labels that only a comment section has.
pub(super) const COMMENT_HEADINGS: &[&str] = &[
    "commentaires",
    "laisser un commentaire",
    "ajouter un commentaire",
    "écrire un commentaire",
    "réagir",
    "réagissez",
    "réactions",
    "voir tous les commentaires",
    "afficher les commentaires",
    "les commentaires sont fermés",
    "connectez-vous pour commenter",
    "kommentare",
    "leserkommentare",
    "kommentar schreiben",
    "kommentar verfassen",
    "kommentieren",
    "alle kommentare anzeigen",
    "kommentare anzeigen",
    "die kommentarfunktion ist geschlossen",
    "comentarios",
    "deja un comentario",
    "dejar un comentario",
    "añadir comentario",
    "escribe un comentario",
    "ver todos los comentarios",
    "mostrar comentarios",
    "los comentarios están cerrados",
    "комментарии",
    "оставить комментарий",
    "добавить комментарий",
    "написать комментарий",
    "показать все комментарии",
    "все комментарии",
    "комментарии закрыты",
    "обсуждение",
];

/// Nouns of "12 comments" counters; with a number before them a line is a
/// comment counter.
pub(super) const COMMENT_NOUNS: &[&str] = &[
    "comments",
    "comment",
    "commentaires",
    "commentaire",
    "réactions",
    "kommentare",
    "kommentar",
    "comentarios",
    "comentario",
    "комментариев",
    "комментария",
    "комментарий",
    "комментарии",
];

/// Actions under a comment and the nouns of reply counters ("Reply",
/// "12 replies", "J'aime", "Ответить").
pub(super) const COMMENT_ACTIONS: &[&str] = &[
    "reply",
    "replies",
    "like",
    "likes",
    "dislike",
    "upvote",
    "downvote",
    "report",
    "flag",
    "quote",
    "vote",
    "votes",
    "points",
    "permalink",
    "répondre",
    "réponse",
    "réponses",
    "j'aime",
    "signaler",
    "citer",
    "antworten",
    "antwort",
    "gefällt mir",
    "melden",
    "zitieren",
    "empfehlen",
    "responder",
    "respuesta",
    "respuestas",
    "me gusta",
    "denunciar",
    "citar",
    "ответить",
    "ответ",
    "ответа",
    "ответов",
    "ответы",
    "нравится",
    "пожаловаться",
    "цитировать",
];

/// Opening words of republishing and syndication notices: "This article
/// was originally published by …", "Cet article a été initialement publié
/// …". Such a notice ends the article.
pub(super) const NOTICE_PREFIXES: &[&str] = &[
    "this article was originally published",
    "this article was first published",
    "this article originally appeared",
    "this article first appeared",
    "this article is republished",
    "this article was republished",
    "this article has been republished",
    "this article is reproduced",
    "this story was originally published",
    "this story was first published",
    "this story originally appeared",
    "this story first appeared",
    "this story is republished",
    "this story was republished",
    "this story was produced by",
    "this piece was originally",
    "this piece first appeared",
    "this post was originally published",
    "this post first appeared",
    "a version of this article",
    "a version of this story",
    "republished with",
    "republished under",
    "republished from",
    "republished by",
    "republished here",
    "reprinted with permission",
    "cet article a été initialement publié",
    "cet article a été publié initialement",
    "cet article a d'abord été publié",
    "cet article a été publié pour la première fois",
    "cet article est republié",
    "cet article est paru",
    "article initialement publié",
    "republié avec",
    "republié sous",
    "republié ici",
    "dieser artikel erschien zuerst",
    "dieser artikel erschien ursprünglich",
    "dieser artikel ist zuerst",
    "dieser beitrag erschien zuerst",
    "dieser beitrag erschien ursprünglich",
    "dieser text erschien zuerst",
    "zuerst erschienen in",
    "zuerst erschienen bei",
    "zuerst erschienen auf",
    "erstveröffentlichung:",
    "este artículo fue publicado originalmente",
    "este artículo se publicó originalmente",
    "este artículo fue publicado primero",
    "este artículo apareció originalmente",
    "este artículo se publicó por primera vez",
    "artículo publicado originalmente",
    "republicado con",
    "republicado bajo",
    "статья впервые опубликована",
    "статья была впервые опубликована",
    "материал впервые опубликован",
    "впервые опубликовано на",
    "впервые опубликовано в",
    "оригинал статьи опубликован",
    "перепечатано с разрешения",
];

/// Lowercase NFC with collapsed spaces, curly apostrophes made straight and
/// "ё" read as "е": the form the lists are written in.
pub(super) fn fold(text: &str) -> String {
    let lower: String = text.nfc().collect::<String>().to_lowercase();
    let mapped: String = lower
        .chars()
        .map(|c| match c {
            '’' | 'ʼ' | '`' => '\'',
            'ё' => 'е',
            '\u{a0}' => ' ',
            other => other,
        })
        .collect();
    mapped.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `fold`, then without the punctuation and arrows that decorate labels
/// ("Partager :", "Lire la suite →", "Kommentare (12)").
pub(super) fn fold_label(text: &str) -> String {
    let folded = fold(text);
    let trimmed = folded
        .trim_matches(|c: char| !c.is_alphanumeric() && c != '\'' && c != '(' && c != ')')
        .trim();
    let without_count = strip_count(trimmed);
    without_count
        .trim_matches(|c: char| !c.is_alphanumeric() && c != '\'')
        .to_owned()
}

/// "Kommentare (12)" → "kommentare".
fn strip_count(text: &str) -> &str {
    match text.rfind('(') {
        Some(open)
            if text.ends_with(')')
                && text[open + 1..text.len() - 1]
                    .chars()
                    .all(|c| c.is_ascii_digit() || c == ' ') =>
        {
            text[..open].trim_end()
        }
        _ => text,
    }
}

/// Whether the folded label is one of `list`.
pub(super) fn is_label(text: &str, list: &[&str]) -> bool {
    let label = fold_label(text);
    !label.is_empty() && list.contains(&label.as_str())
}

/// Whether the folded text contains one of `list`.
pub(super) fn contains_phrase(text: &str, list: &[&str]) -> bool {
    let folded = fold(text);
    list.iter().any(|phrase| folded.contains(phrase))
}

/// Whether the folded text starts with one of `list` as whole words.
pub(super) fn starts_with_phrase(text: &str, list: &[&str]) -> bool {
    let folded = fold(text);
    let folded = folded.trim_start_matches(|c: char| !c.is_alphanumeric());
    list.iter().any(|phrase| {
        folded
            .strip_prefix(phrase)
            .is_some_and(|rest| rest.chars().next().is_none_or(|c| !c.is_alphanumeric()))
    })
}

/// A counter such as "12 commentaires" or "3 ответа": a number, then one of
/// `nouns`.
pub(super) fn is_counter(text: &str, nouns: &[&str]) -> bool {
    let label = fold_label(text);
    let Some((number, noun)) = label.split_once(' ') else {
        return false;
    };
    number.chars().all(|c| c.is_ascii_digit()) && nouns.contains(&noun)
}

#[cfg(test)]
mod tests;
