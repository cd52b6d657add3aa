import type { Attachment, MessageKind } from "../types.ts";

/**
 * The placeholders WhatsApp writes instead of media, deleted and edited messages. They are
 * localised with the phone's language, so they are matched as whole texts from these
 * lists (lower-cased, direction marks removed) rather than guessed with patterns.
 */

/*
 * Provenance (checked 2026-12 against what real exports contain): every string added after the
 * first version was seen in exported chat text or in at least one public parser besides the
 * ones whose licence we cannot use (their lists were not copied); the English layouts follow
 * the public-domain (Unlicense) research in linuswillner/whatsapp-export-inconsistencies
 * ("name • 1 page document omitted", " Location: https://maps…", "Contact card omitted").
 * iOS writes a per-type placeholder in its own wording per language (Portugal's Portuguese
 * "imagem não revelada", French "GIF retiré", Italian "sticker non incluso", Arabic "لم يتم
 * إدراج الصورة"…), Android one "<…>" placeholder for every media type.
 *
 * The placeholder texts of the languages WhatsApp is most used in (English, Spanish,
 * Portuguese, German, French, Italian, Dutch, Russian, Ukrainian, Turkish, Indonesian, Malay,
 * Arabic, Persian, Urdu, Hindi, Polish, Czech, Hebrew, Thai, Vietnamese, Chinese, Japanese,
 * Korean, Romanian, Hungarian, Swedish, Catalan). Stored lower-case without a final period
 * (some languages write one, some app versions do not); marks anywhere are removed before
 * the lookup.
 */
const MEDIA_OMITTED = new Set([
  // Android: one placeholder for every media type
  "<media omitted>",
  "<multimedia omitido>",
  "<medien ausgeschlossen>",
  "<médias omis>",
  "<media omessi>",
  "<media weggelaten>",
  "<mídia oculta>",
  "<arquivo de mídia oculto>",
  "<multimédia omitido>",
  "<ficheiro multimédia omitido>",
  "<медиафайлы удалены>",
  "<без медиафайлов>",
  "<без медіафайлів>",
  "<медіафайли вилучено>",
  "<media dihapus>",
  "<media tidak disertakan>",
  "<media dikecualikan>",
  "<medya dahil edilmedi>",
  "<multimèdia omès>",
  "<media pominięte>",
  "<pominięto multimedia>",
  "<média vynechána>",
  "<média vynechány>",
  "<médiafájl elhagyva>",
  "<média kihagyva>",
  "<تم استبعاد الوسائط>",
  "<الوسائط محذوفة>",
  "<رسانه حذف شد>",
  "<رسانه نادیده گرفته شد>",
  "<میڈیا چھوڑ دیا گیا>",
  "<मीडिया के बिना>",
  "<मीडिया छोड़ दिया गया>",
  "<המדיה לא נכללה>",
  "<מדיה הושמטה>",
  "<ไม่รวมสื่อ>",
  "<ไม่ได้รวมสื่อ>",
  "<bỏ qua tập tin phương tiện>",
  "<đã bỏ qua phương tiện>",
  "<省略影音内容>",
  "<媒体文件已忽略>",
  "<已忽略媒体>",
  "<メディアは含まれていません>",
  "<メディアなし>",
  "<미디어 파일 생략됨>",
  "<미디어 없음>",
  "<media omise>",
  "<media utelämnad>",
  "<media utelämnat>",
  // Seen in real exports and other parsers' tables (older and regional wordings of the same placeholder).
  "<mídia omitida>",
  "<medya atlanmış>",
  "<medya çıkarıldı>",
  "<미디어 파일을 생략한 대화내용>",
  "<미디어 파일 제외됨>",
  "<メディアは省略されました>",
  "<已省略多媒體檔案>",
  "<省略多媒體檔案>",
  "<忽略多媒體檔>",
  "<省略多媒体文件>",
  "<bỏ qua tệp phương tiện>",
  "<bỏ qua media>",
  "<মিডিয়া বাদ দেওয়া হয়েছে>",
  "<मीडिया हटाया गया>",
  "<archivo multimedia omitido>",
  // iOS: one placeholder per media type
  "image omitted",
  "video omitted",
  "audio omitted",
  "gif omitted",
  "document omitted",
  "photo omitted",
  "imagen omitida",
  "video omitido",
  "audio omitido",
  "gif omitido",
  "documento omitido",
  "bild weggelassen",
  "video weggelassen",
  "audio weggelassen",
  "gif weggelassen",
  "dokument weggelassen",
  "image absente",
  "vidéo absente",
  "audio omis",
  "gif omis",
  "document omis",
  "immagine omessa",
  "video omesso",
  "audio omesso",
  "gif omessa",
  "documento omesso",
  "afbeelding weggelaten",
  "video weggelaten",
  "audio weggelaten",
  "gif weggelaten",
  "document weggelaten",
  "imagem ocultada",
  "vídeo ocultado",
  "áudio ocultado",
  "gif ocultado",
  "documento ocultado",
  "imagem omitida",
  "vídeo omitido",
  "áudio omitido",
  "изображение отсутствует",
  "видео отсутствует",
  "аудио отсутствует",
  "gif отсутствует",
  "документ отсутствует",
  "зображення пропущено",
  "відео пропущено",
  "аудіо пропущено",
  "görüntü dahil edilmedi",
  "video dahil edilmedi",
  "ses dahil edilmedi",
  "gif dahil edilmedi",
  "belge dahil edilmedi",
  "gambar tidak disertakan",
  "video tidak disertakan",
  "audio tidak disertakan",
  "gif tidak disertakan",
  "dokumen tidak disertakan",
  "imej ditinggalkan",
  "video ditinggalkan",
  "audio ditinggalkan",
  "تم استبعاد الصورة",
  "تم استبعاد الفيديو",
  "تم استبعاد الصوت",
  "الصورة محذوفة",
  "الفيديو محذوف",
  "الصوت محذوف",
  "تصویر حذف شد",
  "ویدیو حذف شد",
  "صدا حذف شد",
  "छवि छोड़ी गई",
  "वीडियो छोड़ा गया",
  "ऑडियो छोड़ा गया",
  "pominięto obraz",
  "pominięto wideo",
  "pominięto audio",
  "obrázek vynechán",
  "video vynecháno",
  "zvuk vynechán",
  "תמונה הושמטה",
  "סרטון הושמט",
  "שמע הושמט",
  "ไม่ได้แนบรูปภาพ",
  "ไม่ได้แนบวิดีโอ",
  "ไม่ได้แนบเสียง",
  "đã bỏ qua hình ảnh",
  "đã bỏ qua video",
  "đã bỏ qua âm thanh",
  "图片已忽略",
  "视频已忽略",
  "音频已忽略",
  "画像は含まれていません",
  "動画は含まれていません",
  "音声は含まれていません",
  "사진 생략됨",
  "동영상 생략됨",
  "오디오 생략됨",
  "imagine omisă",
  "videoclip omis",
  "audio omis",
  "kép elhagyva",
  "videó elhagyva",
  "hang elhagyva",
  "bild utelämnad",
  "video utelämnad",
  "ljud utelämnat",
  // iOS wordings seen in real exports that the first table had wrong or missing.
  "imagem não revelada",
  "vídeo não revelado",
  "ficheiro de áudio não revelado",
  "gif não revelado",
  "gif não revelada", // Portugal
  "gif retiré",
  "gif esclusa",
  "videonachricht weggelassen",
  "gif vynechán",
  "圖片已略去",
  "影片已略去",
  "зображення відсутнє",
  "відео відсутнє",
  "аудіо відсутнє",
  "gif-анімацію пропущено", // Ukrainian
  "لم يتم إدراج الصورة",
  "لم يتم إدراج الفيديوهات",
  "لم يتم إدراج المقاطع الصوتية",
  "لم يتم إدراج صورة gif", // Arabic
]);

const STICKER_OMITTED = new Set([
  "sticker omitted",
  "sticker omitido",
  "sticker weggelassen",
  "sticker omis",
  "sticker omesso",
  "figurinha omitida",
  "figurinha ocultada",
  "стикер отсутствует",
  "çıkartma dahil edilmedi",
  "stiker tidak disertakan",
  "ملصق محذوف",
  "naklejka pominięta",
  "nálepka vynechána",
  "מדבקה הושמטה",
  "đã bỏ qua nhãn dán",
  "贴图已忽略",
  "ステッカーは含まれていません",
  "스티커 생략됨",
  "стикер не добавлен",
  "sticker non incluso",
  "sticker não revelado",
  "наклейку не додано",
  "تم حذف الملصقات",
]);

const CONTACT_OMITTED = new Set([
  "contact card omitted",
  "tarjeta de contacto omitida",
  "kontaktkarte weggelassen",
  "fiche contact omise",
  "scheda contatto omessa",
  "contactkaart weggelaten",
  "cartão de contato omitido",
  "cartão de contacto omitido",
  "карточка контакта отсутствует",
  "kişi kartı dahil edilmedi",
  "kartu kontak tidak disertakan",
  "بطاقة جهة الاتصال محذوفة",
  "pominięto kartę kontaktu",
  "kontaktní karta vynechána",
  "כרטיס איש קשר הושמט",
  "đã bỏ qua thẻ liên hệ",
  "联系人名片已忽略",
  "連絡先カードは含まれていません",
  "연락처 카드 생략됨",
  "kontaktkarte ausgelassen",
  "fiche contact manquante",
  "contacto não revelado",
  "vizitka vynechána",
  "картка контакту відсутня",
  "لم يتم إدراج بطاقة جهة اتصال",
]);

const DELETED = new Set([
  "this message was deleted",
  "you deleted this message",
  "message deleted",
  "se eliminó este mensaje",
  "eliminaste este mensaje",
  "este mensaje fue eliminado",
  "diese nachricht wurde gelöscht",
  "du hast diese nachricht gelöscht",
  "ce message a été supprimé",
  "vous avez supprimé ce message",
  "questo messaggio è stato eliminato",
  "hai eliminato questo messaggio",
  "essa mensagem foi apagada",
  "esta mensagem foi apagada",
  "esta mensagem foi eliminada",
  "mensagem apagada",
  "você apagou esta mensagem",
  "apagou esta mensagem",
  "dit bericht is verwijderd",
  "je hebt dit bericht verwijderd",
  "u hebt dit bericht verwijderd",
  "это сообщение удалено",
  "данное сообщение удалено",
  "вы удалили это сообщение",
  "це повідомлення видалено",
  "ви видалили це повідомлення",
  "bu mesaj silindi",
  "bu mesajı sildiniz",
  "pesan ini telah dihapus",
  "anda menghapus pesan ini",
  "mesej ini telah dipadam",
  "anda telah memadam mesej ini",
  "تم حذف هذه الرسالة",
  "لقد حذفت هذه الرسالة",
  "این پیام حذف شد",
  "شما این پیام را حذف کردید",
  "یہ پیغام حذف کر دیا گیا",
  "آپ نے یہ پیغام حذف کر دیا",
  "यह मैसेज डिलीट किया गया",
  "यह संदेश हटा दिया गया",
  "आपने यह मैसेज डिलीट किया",
  "आपने यह संदेश हटा दिया",
  "ta wiadomość została usunięta",
  "usunięto tę wiadomość",
  "usunąłeś tę wiadomość",
  "tato zpráva byla odstraněna",
  "tuto zprávu jste odstranili",
  "הודעה זו נמחקה",
  "מחקת את ההודעה הזו",
  "ข้อความนี้ถูกลบแล้ว",
  "คุณลบข้อความนี้แล้ว",
  "tin nhắn này đã bị xóa",
  "bạn đã xóa tin nhắn này",
  "此消息已删除",
  "你删除了此消息",
  "此訊息已刪除",
  "你已刪除此訊息",
  "このメッセージは削除されました",
  "メッセージを削除しました",
  "삭제된 메시지입니다",
  "메시지를 삭제했습니다",
  "acest mesaj a fost șters",
  "ai șters acest mesaj",
  "ez az üzenet törölve lett",
  "törölted ezt az üzenetet",
  "det här meddelandet raderades",
  "du raderade det här meddelandet",
  "s'ha suprimit aquest missatge",
  "has suprimit aquest missatge",
  // Wordings seen in real exports and other parsers that the first table lacked (other app versions and regions).
  "вы удалили данное сообщение",
  "це повідомлення було видалено",
  "tato zpráva byla smazána",
  "tuto zprávu jste smazal/a",
  "tuto zprávu jste odstranil/a",
  "tin nhắn này đã bị xoá",
  "bạn đã xoá tin nhắn này",
  "这条消息已被删除",
  "消息已删除",
  "信息已删除",
  "您已删除这条消息",
  "您已刪除此訊息",
  "यह मैसेज डिलीट कर दिया गया है",
  "यह मैसेज मिटाया गया",
  "यह संदेश मिटाया गया",
  "यह मैसेज हटा दिया गया",
  "یہ میسج حذف کر دیا گیا ہے",
  "یہ پیغام حذف کیا گیا",
  "یہ پیغام حذف کر دیا گیا",
  "این پیام حذف شده است",
  "pesan ini dihapus",
  "anda telah menghapus pesan ini",
  "esta mensagem foi apagada pelo remetente",
  "você apagou essa mensagem",
  "이 메시지는 삭제되었습니다",
  "ez az üzenet törlésre került",
  "detta meddelande raderades",
  "táto správa bola odstránená",
]);

const EDITED_SUFFIXES = [
  "<this message was edited>",
  "<se editó este mensaje.>",
  "<se editó este mensaje>",
  "<diese nachricht wurde bearbeitet.>",
  "<diese nachricht wurde bearbeitet>",
  "<ce message a été modifié>",
  "<questo messaggio è stato modificato>",
  "<esta mensagem foi editada>",
  "<dit bericht is bewerkt>",
  "<сообщение изменено>",
  "<bu mesaj düzenlendi>",
  "<pesan ini telah diedit>",
  "<تم تعديل هذه الرسالة>",
  "<ta wiadomość została edytowana>",
];

const LOCATION_PREFIXES = [
  "location: ",
  "ubicación: ",
  "standort: ",
  "localização: ",
  "localizacao: ",
  "position : ",
  "position: ",
  "localisation : ",
  "posizione: ",
  "locatie: ",
  "местоположение: ",
  "геопозиция: ",
  "місцезнаходження: ",
  "konum: ",
  "lokasi: ",
  "الموقع: ",
  "مکان: ",
  "مقام: ",
  "स्थान: ",
  "lokalizacja: ",
  "poloha: ",
  "מיקום: ",
  "ตำแหน่งที่ตั้ง: ",
  "vị trí: ",
  "位置: ",
  "位置情報: ",
  "위치: ",
  "locație: ",
  "helyszín: ",
  "helyzet: ",
  "plats: ",
  "ubicació: ",
];

const LIVE_LOCATIONS = new Set([
  "live location shared",
  "ubicación en tiempo real compartida",
  "localização em tempo real compartilhada",
  "live-standort geteilt",
  "position en direct partagée",
  "posizione in tempo reale condivisa",
  "live locatie gedeeld",
  "трансляция геоданных",
  "canlı konum paylaşıldı",
  "lokasi terkini dibagikan",
]);

const CALLS = new Set([
  "missed voice call",
  "missed video call",
  "missed group voice call",
  "missed group video call",
  "voice call",
  "video call",
  "llamada perdida",
  "videollamada perdida",
  "llamada de voz perdida",
  "chamada de voz perdida",
  "chamada de vídeo perdida",
  "verpasster sprachanruf",
  "verpasster videoanruf",
  "appel vocal manqué",
  "appel vidéo manqué",
  "chiamata vocale persa",
  "videochiamata persa",
  "gemiste spraakoproep",
  "gemiste video-oproep",
  "пропущенный аудиозвонок",
  "пропущенный видеозвонок",
  "пропущений аудіодзвінок",
  "пропущений відеодзвінок",
  "cevapsız sesli arama",
  "cevapsız görüntülü arama",
  "panggilan suara tak terjawab",
  "panggilan video tak terjawab",
  "panggilan suara terlepas",
  "panggilan video terlepas",
  "مكالمة صوتية فائتة",
  "مكالمة فيديو فائتة",
  "تماس صوتی از دست رفته",
  "تماس تصویری از دست رفته",
  "مسڈ وائس کال",
  "मिस्ड वॉइस कॉल",
  "मिस्ड वीडियो कॉल",
  "nieodebrane połączenie głosowe",
  "nieodebrane połączenie wideo",
  "zmeškaný hlasový hovor",
  "zmeškaný videohovor",
  "שיחה קולית שלא נענתה",
  "שיחת וידאו שלא נענתה",
  "สายสนทนาด้วยเสียงที่ไม่ได้รับ",
  "สายวิดีโอที่ไม่ได้รับ",
  "cuộc gọi thoại bị nhỡ",
  "cuộc gọi video bị nhỡ",
  "未接语音通话",
  "未接视频通话",
  "不在着信の音声通話",
  "不在着信のビデオ通話",
  "부재중 음성통화",
  "부재중 영상통화",
  "apel vocal nepreluat",
  "apel video nepreluat",
  "nem fogadott hanghívás",
  "nem fogadott videóhívás",
  "missat röstsamtal",
  "missat videosamtal",
]);

const CALL_PREFIXES = [
  "missed voice call",
  "missed video call",
  "voice call,",
  "video call,",
  "llamada perdida",
  "verpasster",
  "appel vocal manqué",
  "chamada de voz perdida",
];
const POLL_PREFIXES = [
  "poll:",
  "encuesta:",
  "enquete:",
  "sondagem:",
  "umfrage:",
  "sondage :",
  "sondage:",
  "sondaggio:",
  "peiling:",
  "опрос:",
  "опитування:",
  "anket:",
  "polling:",
  "undian:",
  "استطلاع:",
  "نظرسنجی:",
  "پول:",
  "पोल:",
  "ankieta:",
  "anketa:",
  "סקר:",
  "โพล:",
  "bình chọn:",
  "投票:",
  "투표:",
  "sondaj:",
  "szavazás:",
  "omröstning:",
  "enquesta:",
];

/** "<attached: 00000012-PHOTO-2020.jpg>" (iOS) and "file.jpg (file attached)" (Android) in a few languages. */
const ATTACHED_PREFIXES = ["<attached:", "< attached:"];
const ATTACHED_SUFFIXES = [
  " (file attached)",
  " (datei angehängt)",
  " (archivo adjunto)",
  " (arquivo anexado)",
  " (ficheiro anexado)",
  " (fichier joint)",
  " (file allegato)",
  " (bestand bijgevoegd)",
  " (файл прикреплён)",
  " (файл прикреплен)",
  " (файл додано)",
  " (dosya ekli)",
  " (dosya eklendi)",
  " (file terlampir)",
  " (fail dilampirkan)",
  " (ملف مرفق)",
  " (فایل پیوست شد)",
  " (فائل منسلک ہے)",
  " (फ़ाइल संलग्न है)",
  " (załączono plik)",
  " (plik załączony)",
  " (soubor byl přiložen)",
  " (קובץ מצורף)",
  " (ไฟล์แนบ)",
  " (tệp đính kèm)",
  " (文件附件)",
  " (ファイル添付)",
  " (파일 첨부)",
  " (fișier atașat)",
  " (fájl csatolva)",
  " (fil bifogad)",
  " (fitxer adjunt)",
  " <attached>",
];
/** iOS writes a document's name, a left-to-right mark and the localised "document omitted". */
const DOCUMENT_OMITTED = [
  "document omitted",
  "documento omitido",
  "dokument weggelassen",
  "document omis",
  "documento omesso",
  "document weggelaten",
  "documento ocultado",
  "документ отсутствует",
  "belge dahil edilmedi",
  "dokumen tidak disertakan",
  "dokument pominięty",
  "dokument vynechán",
  "document manquant",
  "documento não revelado",
  "документ пропущено",
  "لم يتم إدراج المستند",
];
const DOCUMENT_OMITTED_SUFFIXES = DOCUMENT_OMITTED.map((t) => ` ${t}`);
/** iOS, any language: "<attached: 0000-PHOTO.jpg>", "<terlampir: 0000-PHOTO.jpg>", "<anexo: …>". */
const LOCALISED_ATTACHED = /^<\s*[^<>:\d]{2,30}:\s*([^<>]+\.[\p{L}\d]{1,5})\s*>$/u;
/**
 * A shared venue: "Place (City, Country): https://foursquare.com/v/…", or iOS's static location
 * "Helsinki (Helsinki): https://maps.google.com/?q=60.167850,24.952965".
 */
const VENUE = /^[^\n]{1,200}: https?:\/\/(?:(?:[a-z]+\.)?foursquare\.com\/v?\/|maps\.google\.com\/\?q=-?\d)/;
const MAPS_LINK = ": https://maps.google.com/?q=";

/**
 * Quick rejection for ordinary text, derived from the lists above so it cannot drift from
 * them: a line can only be classified if its (lower-cased) first two characters begin a
 * prefix, its last character ends a suffix, or its first and last characters are those of
 * a whole placeholder.
 */
const PREFIXES = [...CALL_PREFIXES, ...LOCATION_PREFIXES, ...POLL_PREFIXES, ...ATTACHED_PREFIXES];
/** First three codes of each prefix (ASCII ones), as one number: with 28 languages, two characters pass too much ordinary text. */
const PREFIX_HEADS = pairTable(PREFIXES, (p) => [p.charCodeAt(0), p.charCodeAt(1)]);
const PREFIX_HEADS3 = new Set(
  PREFIXES.filter((p) => p.length >= 3 && p.charCodeAt(0) < 128 && p.charCodeAt(1) < 128 && p.charCodeAt(2) < 128).map(
    (p) => (p.charCodeAt(0) << 14) | (p.charCodeAt(1) << 7) | p.charCodeAt(2),
  ),
);
/** Indexed by the last code alone (first code 0). */
const SUFFIX_LASTS = pairTable(ATTACHED_SUFFIXES, (s) => [0, s.charCodeAt(s.length - 1)]);
const WHOLE_TEXTS = [...MEDIA_OMITTED, ...STICKER_OMITTED, ...CONTACT_OMITTED, ...DELETED, ...CALLS, ...LIVE_LOCATIONS];
/** Each whole placeholder also with a final period, which some languages and app versions add. */
const WHOLE_ENDS = pairTable([...WHOLE_TEXTS, ...WHOLE_TEXTS.map((t) => `${t}.`)], (t) => [
  t.charCodeAt(0),
  t.charCodeAt(t.length - 1),
]);
/** First code, last code and length of each whole placeholder as a line can hold it: its own length, plus a period and marks. */
const WHOLE_KEYS = new Set<number>();
for (const t of WHOLE_TEXTS) {
  const f = t.charCodeAt(0);
  if (f >= 128) continue;
  for (const text of [t, `${t}.`]) {
    const l = text.charCodeAt(text.length - 1);
    if (l < 128) for (let extra = 0; extra <= 2; extra++) WHOLE_KEYS.add(wholeKey(f, l, text.length + extra));
  }
}

function wholeKey(first: number, last: number, len: number): number {
  return (first << 16) | (last << 9) | (len > 511 ? 511 : len);
}
/** "name.pdf ‎document omitted": where the mark or space before the phrase would be, and the phrase's last code. */
const DOCUMENT_BACK = DOCUMENT_OMITTED.map((t) => t.length + 1);
const DOCUMENT_LAST = DOCUMENT_OMITTED.map((t) => t.charCodeAt(t.length - 1));
const DOCUMENT_LASTS = pairTable(DOCUMENT_OMITTED, (t) => [0, t.charCodeAt(t.length - 1)]);

function documentCandidate(line: string, len: number, last: number): boolean {
  if (last < 128 && DOCUMENT_LASTS[last] === 0) return false;
  for (let i = 0; i < DOCUMENT_BACK.length; i++) {
    const back = DOCUMENT_BACK[i]!;
    if (DOCUMENT_LAST[i] !== last || len <= back) continue;
    const c = line.charCodeAt(len - back);
    if ((c === 0x200e || c === 32) && line.startsWith(DOCUMENT_OMITTED[i]!, len - back + 1)) return true;
  }
  return false;
}

/** A 128 × 128 table of the texts' code pairs; non-ASCII pairs are left out, as the quick rejection only looks at ASCII characters. */
function pairTable(texts: string[], codes: (text: string) => [number, number]): Uint8Array {
  const table = new Uint8Array(128 * 128);
  for (const text of texts) {
    const [a, b] = codes(text);
    if (a < 128 && b < 128) table[a * 128 + b] = 1;
  }
  return table;
}

/**
 * Lower-case of a printable ASCII code (space included when `space`), else -1. Such a
 * character is neither trimmed, nor stripped as a mark, nor lower-cased differently in
 * context, so it is the same in the normalised text as in the line.
 */
function asciiLower(c: number, space: boolean): number {
  if (c >= 65 && c <= 90) return c + 32;
  return (c > 32 && c < 127) || (space && c === 32) ? c : -1;
}

const MARKS = /[\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069\ufeff]/g;

export function stripMarks(text: string): string {
  return text.replace(MARKS, "");
}

export interface Classified {
  kind: MessageKind;
  attachment?: Attachment;
  /** The line is real content (a call note, a location link, a poll) rather than a placeholder. */
  keepText?: boolean;
}

/**
 * A shared venue or static location is a long line ending in a link: "Place (City):
 * https://foursquare.com/v/…" ends in "/" and a 24-digit venue id, "Helsinki (Helsinki):
 * https://maps.google.com/?q=60.16,24.95" in the coordinates' last digit.
 */
function venueCandidate(line: string, len: number, last: number): boolean {
  if (len <= 40) return false;
  if (line.charCodeAt(len - 25) === 47 && line.indexOf("foursquare.com/", len > 160 ? len - 160 : 0) >= 0) return true;
  return last >= 48 && last <= 57 && line.indexOf(MAPS_LINK, len > 260 ? len - 260 : 0) >= 0;
}

/** First codes of the whole placeholders longer than 40 characters that the ASCII quick test cannot vouch for. */
const LONG_WHOLE_FIRSTS = new Set(
  WHOLE_TEXTS.filter((t) => t.length >= 38)
    .map((t) => t.charCodeAt(0))
    .filter((c) => c >= 128),
);

function longWholeStart(first: number): boolean {
  return first >= 128 && LONG_WHOLE_FIRSTS.has(first);
}

/** Kind of a WhatsApp message from its first line; undefined for plain text (the common case, kept cheap). */
export function classifyFirstLine(line: string): Classified | undefined {
  // Every placeholder is short, or starts/ends with a bracket: skip the lookups for ordinary text.
  const len = line.length;
  if (len > 240) return undefined;
  const first = line.charCodeAt(0);
  const last = line.charCodeAt(len - 1);
  let venue = false;
  // The line's first and last characters and length are those of a whole placeholder (quick test, ASCII ends only).
  let whole = false;
  if (len > 1) {
    const f = asciiLower(first, false);
    const s = asciiLower(line.charCodeAt(1), true);
    const t = len > 2 ? asciiLower(line.charCodeAt(2), true) : 0;
    const l = asciiLower(last, false);
    whole = f >= 0 && l >= 0 && WHOLE_ENDS[f * 128 + l] !== 0 && WHOLE_KEYS.has(wholeKey(f, l, len));
    if (
      f >= 0 &&
      s >= 0 &&
      t >= 0 &&
      l >= 0 &&
      SUFFIX_LASTS[l] === 0 &&
      (PREFIX_HEADS[f * 128 + s] === 0 || !PREFIX_HEADS3.has((f << 14) | (s << 7) | t)) &&
      !whole &&
      !(f === 60 && l === 62) &&
      !documentCandidate(line, len, last)
    ) {
      if (!venueCandidate(line, len, last)) return undefined;
      venue = true;
    }
  }
  if (!venue && len > 40 && venueCandidate(line, len, last)) venue = true;
  // Long lines can still be a shared location, "location: https://maps…", with the link among the first 24 characters:
  // searching backwards from there looks at those positions only, not at the whole line.
  if (
    len > 40 &&
    !venue &&
    !whole &&
    !longWholeStart(first) &&
    first !== 60 &&
    !isMarkCode(first) &&
    !isMarkCode(last) &&
    last !== 62 &&
    last !== 41 &&
    line.lastIndexOf(": http", 24) < 0 &&
    !documentCandidate(line, len, last)
  )
    return undefined;
  const clean = stripMarks(line).trim();
  const text = clean.toLowerCase();
  // Some languages and app versions end the whole placeholders with a period.
  let bare = text.endsWith(".") || text.endsWith("。") ? text.slice(0, -1) : text;
  // "<image omitted>": an iOS placeholder in Android's brackets.
  if (bare.charCodeAt(0) === 60 && bare.charCodeAt(bare.length - 1) === 62 && !MEDIA_OMITTED.has(bare)) {
    const inner = bare.slice(1, -1).trim();
    if (MEDIA_OMITTED.has(inner) || STICKER_OMITTED.has(inner) || CONTACT_OMITTED.has(inner)) bare = inner;
  }
  if (MEDIA_OMITTED.has(bare)) return { kind: "media" };
  if (STICKER_OMITTED.has(bare)) return { kind: "sticker" };
  if (CONTACT_OMITTED.has(bare)) return { kind: "contact" };
  if (DELETED.has(bare)) return { kind: "deleted" };
  if (CALLS.has(bare) || CALL_PREFIXES.some((p) => text.startsWith(p))) return { kind: "call", keepText: true };
  if (LOCATION_PREFIXES.some((p) => text.startsWith(p)) || LIVE_LOCATIONS.has(bare) || (venue && VENUE.test(text)))
    return { kind: "location", keepText: true };
  if (POLL_PREFIXES.some((p) => text.startsWith(p))) return { kind: "poll", keepText: true };
  if (ATTACHED_PREFIXES.some((p) => text.startsWith(p))) {
    const name = clean.replace(/^<\s*attached:\s*/i, "").replace(/\s*>$/, "");
    return { kind: "media", attachment: attachmentOf(name) };
  }
  if (first === 60 || isMarkCode(first)) {
    const m = LOCALISED_ATTACHED.exec(clean);
    if (m) return withAttachment(attachmentOf(m[1]!.trim()));
  }
  for (const suffix of ATTACHED_SUFFIXES) {
    if (text.endsWith(suffix) && text.length > suffix.length)
      return withAttachment(attachmentOf(clean.slice(0, clean.length - suffix.length).trim()));
  }
  for (const suffix of DOCUMENT_OMITTED_SUFFIXES) {
    if (bare.endsWith(suffix) && bare.length > suffix.length) {
      const name = clean.slice(0, bare.length - suffix.length).trim();
      // iOS writes a document's page count after its name: "Report • 3 pages document omitted".
      const bullet = name.lastIndexOf(" • ");
      if (bullet > 0) return withAttachment({ name: name.slice(0, bullet).trim(), mediaType: "file" });
      if (/\.[\p{L}\d]{1,5}$/u.test(name)) return withAttachment(attachmentOf(name));
    }
  }
  return undefined;
}

function withAttachment(attachment: Attachment): Classified {
  return {
    kind: attachment.mediaType === "contact" ? "contact" : attachment.mediaType === "sticker" ? "sticker" : "media",
    attachment,
  };
}

function isMarkCode(c: number): boolean {
  return (
    c === 0x200e ||
    c === 0x200f ||
    c === 0xfeff ||
    c === 0x61c ||
    (c >= 0x202a && c <= 0x202e) ||
    (c >= 0x2066 && c <= 0x2069)
  );
}

/** Removes the marks before a text (the left-to-right mark iOS puts before some plain texts). */
export function stripLeadingMarks(text: string): string {
  let i = 0;
  while (i < text.length && isMarkCode(text.charCodeAt(i))) i++;
  return i === 0 ? text : text.slice(i);
}

/** An author as people search for it: no marks, and ordinary spaces and hyphens in phone numbers ("+55 61 1234-5678"). */
export function normaliseAuthor(raw: string): string {
  return stripMarks(raw)
    .replace(/[\u00a0\u2007\u2009\u202f]/g, " ")
    .replace(/[\u2010\u2011\u2012]/g, "-")
    .trim();
}

/** The notice that opens every chat, in the languages above ("Messages and calls are end-to-end encrypted…"). */
const ENCRYPTION_PHRASES = [
  "end-to-end",
  "ende-zu-ende",
  "de extremo a extremo",
  "de ponta a ponta",
  "de bout en bout",
  "crittografia end-to-end",
  "uçtan uca",
  "сквозным шифрованием",
  "наскрізним шифруванням",
  "end-to-end terenkripsi",
  "terenkripsi secara end-to-end",
  "hujung ke hujung",
  "مشفرة تمامًا",
  "التشفير التام",
  "رمزگذاری سرتاسری",
  "اینڈ ٹو اینڈ",
  "एंड-टू-एंड",
  "kompleksowo szyfrowane",
  "koncovým šifrováním",
  "מוצפנות מקצה לקצה",
  "เข้ารหัสตั้งแต่ต้นทางถึงปลายทาง",
  "mã hóa đầu cuối",
  "端到端加密",
  "端對端加密",
  "エンドツーエンド暗号化",
  "엔드투엔드 암호화",
  "criptate integral",
  "végpontok közötti titkosítással",
  "totalsträckskrypterade",
  "xifratge d'extrem a extrem",
  // Portugal: "As mensagens e chamadas são encriptadas ponto a ponto."
  "encriptadas ponto a ponto",
  "encriptação ponto a ponto",
];

/**
 * Wording of the other notices iOS writes under a person's name, after a left-to-right mark:
 * English, then the most used languages (security code changed, members added, removed,
 * leaving or joining, group name, picture and description changed, number changed,
 * disappearing messages, blocked contacts, admins, business chats). Only mark-led bodies are
 * looked at, so a phrase may be as short as the notice's verb.
 */
const NOTICE_PHRASES_LOCALISED = [
  // Security code changed
  "sicherheitsnummer",
  "sicherheitscode",
  "código de seguridad",
  "code de sécurité",
  "codice di sicurezza",
  "código de segurança",
  "beveiligingscode",
  "код безопасности",
  "код безпеки",
  "güvenlik kodu",
  "kode keamanan",
  "kod keselamatan",
  "kod zabezpieczeń",
  "bezpečnostní kód",
  "رمز أمان",
  "رمز الأمان",
  "کد امنیتی",
  "سیکیورٹی کوڈ",
  "सुरक्षा कोड",
  "קוד האבטחה",
  "mã bảo mật",
  "安全代码",
  "安全代碼",
  "安全碼",
  "セキュリティコード",
  "보안 코드",
  "รหัสความปลอดภัย",
  "codul dvs. de securitate",
  "biztonsági kód",
  "säkerhetskod",
  "codi de seguretat",
  // German
  "hat die gruppe",
  "einladungslink",
  "hat den betreff",
  "gruppenbild",
  "gruppenbeschreibung",
  "gruppennamen",
  "telefonnummer gewechselt",
  "selbstlöschende nachrichten",
  "kontakt blockiert",
  "kontakt freigegeben",
  "bist jetzt admin",
  "mit einem unternehmen",
  // Spanish
  "salió del grupo",
  "enlace de invitación",
  "cambió el asunto",
  "cambió el nombre del grupo",
  "imagen del grupo",
  "ícono del grupo",
  "icono del grupo",
  "descripción del grupo",
  "cambió su número",
  "mensajes temporales",
  "bloqueaste a este contacto",
  "desbloqueaste a este contacto",
  "ahora eres admin",
  "creó el grupo",
  "con una empresa",
  // French
  "lien d’invitation",
  "lien d'invitation",
  "a modifié le sujet",
  "a changé le sujet",
  "l’icône du groupe",
  "l'icône du groupe",
  "description du groupe",
  "a changé de numéro",
  "messages éphémères",
  "avez bloqué ce contact",
  "avez débloqué ce contact",
  "maintenant admin",
  "a créé le groupe",
  "avec une entreprise",
  // Portuguese
  "entrou usando o link",
  "link de convite",
  "mudou o assunto",
  "mudou o nome do grupo",
  "alterou o nome do grupo",
  "imagem do grupo",
  "descrição do grupo",
  "mudou o número",
  "mensagens temporárias",
  "bloqueou este contato",
  "bloqueou esse contato",
  "agora é admin",
  "criou o grupo",
  "com uma empresa",
  // Italian
  "link d'invito",
  "ha cambiato l'oggetto",
  "ha cambiato il nome del gruppo",
  "immagine del gruppo",
  "descrizione del gruppo",
  "ha cambiato numero",
  "messaggi effimeri",
  "hai bloccato questo contatto",
  "ora sei amministratore",
  "ha creato il gruppo",
  "con un'azienda",
  // Dutch
  "heeft de groep verlaten",
  "uitnodigingslink",
  "groepsnaam",
  "groepsafbeelding",
  "groepsbeschrijving",
  "tijdelijke berichten",
  "contact geblokkeerd",
  "nu beheerder",
  "met een bedrijf",
  // Russian, Ukrainian
  "добавил(а)",
  "удалил(а)",
  "вышел(а)",
  "присоединился",
  "присоединилась",
  "по ссылке-приглашению",
  "изменил(а) тему",
  "изменил(а) название",
  "изображение группы",
  "описание группы",
  "сменил(а) номер",
  "исчезающие сообщения",
  "заблокировали этот контакт",
  "создал(а) группу",
  "додав(ла)",
  "видалив(ла)",
  "вийшов(ла)",
  "приєднався",
  "приєдналася",
  "змінив(ла)",
  // Turkish, Indonesian, Malay
  "gruptan ayrıldı",
  "davet bağlantısı",
  "grup adını",
  "grup simgesini",
  "grup açıklamasını",
  "numarasını değiştirdi",
  "süreli mesajlar",
  "kişiyi engellediniz",
  "artık yöneticisiniz",
  "grubunu oluşturdu",
  "tautan undangan",
  "mengubah subjek",
  "mengubah nama grup",
  "ikon grup",
  "deskripsi grup",
  "mengganti nomor",
  "pesan sementara",
  "memblokir kontak ini",
  "sekarang admin",
  "membuat grup",
  // Polish, Czech
  "link zaproszenia",
  "zmienił(a) temat",
  "ikonę grupy",
  "opis grupy",
  "zmienił(a) numer",
  "znikające wiadomości",
  "utworzył(a) grupę",
  "opustil(a) skupinu",
  "se připojil(a)",
  "změnil(a) název",
  "vytvořil(a) skupinu",
  // Arabic, Persian, Hindi, Hebrew, Vietnamese, Chinese, Japanese, Korean, Thai
  "أضاف",
  "رابط الدعوة",
  "غيّر اسم المجموعة",
  "غيّر صورة المجموعة",
  "وصف المجموعة",
  "الرسائل المؤقتة",
  "أنشأ المجموعة",
  "نام گروه",
  "تصویر گروه",
  "लिंक से जुड़े",
  "ग्रुप का नाम",
  "ग्रुप आइकॉन",
  "קישור ההזמנה",
  "את שם הקבוצה",
  "את תמונת הקבוצה",
  "đã rời khỏi nhóm",
  "đã tham gia bằng liên kết",
  "đã đổi tên nhóm",
  "đã tạo nhóm",
  "退出了群组",
  "加入了群组",
  "更改了群组",
  "创建了群组",
  "已退出群組",
  "建立了群組",
  "を追加しました",
  "グループを退出しました",
  "グループに参加しました",
  "グループ名を",
  "グループを作成しました",
  "님이 나갔습니다",
  "초대 링크",
  "그룹 이름을",
  "그룹을 만들었습니다",
  "ออกจากกลุ่ม",
  "ลิงก์เชิญ",
  "เปลี่ยนชื่อกลุ่ม",
  "สร้างกลุ่ม",
];

/** Notices that end in their verb, after the actor and the member: "Anna hat Tom hinzugefügt", "Ana saiu". */
const NOTICE_ENDINGS = [
  " hinzugefügt",
  " entfernt",
  " hat die gruppe verlassen",
  " ist beigetreten",
  " a ajouté",
  " est parti",
  " est partie",
  " a quitté le groupe",
  " saiu",
  " removeu",
  " è uscito",
  " è uscita",
  " ha lasciato il gruppo",
  " toegevoegd",
  " verwijderd",
  " ayrıldı",
  " ekledi",
  " çıkardı",
  " katıldı",
  " keluar",
  " bergabung",
  " вышел",
  " вышла",
  " вийшов",
  " вийшла",
  " opuścił(a) grupę",
  " dołączył(a)",
  " غادر",
  " انضم",
  " خارج شد",
  " پیوست",
  " ने ग्रुप छोड़ दिया",
  " יצא",
  " יצאה",
  " הצטרף",
  " הצטרפה",
  " đã rời",
  " đã tham gia",
  " 退出了",
  " 已退出",
  " ได้ออก",
];

/** Wording of the other notices iOS writes under a person's name, English. */
const NOTICE_PHRASES = [
  "security code",
  "changed their phone number",
  "changed to a new number",
  "blocked this contact",
  "unblocked this contact",
  "disappearing messages",
  "this chat is with a business",
  "messages to this group are now",
  "changed the group",
  "changed this group",
  "changed the subject",
  "group's icon",
  "group description",
  "created group",
  "created this group",
  "joined using this group's invite link",
  "is now an admin",
  "now an admin",
  "turned on admin approval",
  "pinned a message",
  "is a contact",
];
const NOTICE_VERBS = [
  "added ",
  "removed ",
  "left",
  "joined",
  "created ",
  "changed ",
  "deleted ",
  "pinned ",
  "started ",
  "turned ",
  "reset ",
  "requested ",
  "was added",
  "was removed",
];

export function isEncryptionNotice(text: string): boolean {
  if (text.length > 400) return false;
  const t = text.toLowerCase();
  return ENCRYPTION_PHRASES.some((p) => t.includes(p));
}

/** A mark-led body under a person's name that is really a notice ("‎Anna added Tom", "‎Your security code with Tom changed"). */
export function looksLikeSystemNotice(text: string, author: string): boolean {
  if (text.length > 400) return false;
  const t = stripMarks(text).trim().toLowerCase();
  if (NOTICE_PHRASES.some((p) => t.includes(p)) || NOTICE_PHRASES_LOCALISED.some((p) => t.includes(p))) return true;
  const bare = t.endsWith(".") ? t.slice(0, -1) : t;
  if (bare.length < 120 && NOTICE_ENDINGS.some((e) => bare.endsWith(e))) return true;
  const a = author.toLowerCase();
  if (a.length > 0 && t.startsWith(`${a} `)) {
    const rest = t.slice(a.length + 1);
    if (NOTICE_VERBS.some((v) => rest.startsWith(v))) return true;
  }
  // "‎Tom added Anna" under someone else's name: a short name, then a notice verb.
  return NAME_THEN_VERB.test(t) || NAME_THEN_VERB_LOCALISED.test(t);
}

const NAME_THEN_VERB =
  /^(?:\S+ ){1,4}(?:added|removed|left|joined using|created group|changed (?:the|this|their|his|her|your)|deleted this group|pinned a message|was added|was removed)\b/u;
/** The same in the languages whose notice ends in the member's name: "‎Anna añadió a Tom", "‎Anna a ajouté Tom", "‎Anna menambahkan Tom". */
const NAME_THEN_VERB_LOCALISED =
  /^(?:\S+ ){1,4}(?:añadió a|agregó a|eliminó a|a ajouté|a retiré|adicionou|removeu|ha aggiunto|ha rimosso|menambahkan|mengeluarkan|dodał\(a\)|usunął\(ęła\)|přidal\(a\)|odebral\(a\)) \S/u;

/** Removes a trailing "edited" marker; returns the text without it, or undefined when there is none. */
export function stripEditedMarker(text: string): string | undefined {
  if (text.charCodeAt(text.length - 1) !== 62) return undefined;
  const lower = stripMarks(text.slice(-60)).toLowerCase();
  for (const suffix of EDITED_SUFFIXES) {
    if (lower.endsWith(suffix)) {
      const cut = text.lastIndexOf("<");
      return stripMarks(text.slice(0, cut)).trimEnd();
    }
  }
  return undefined;
}

const MEDIA_BY_EXTENSION: Record<string, string> = {
  jpg: "photo",
  jpeg: "photo",
  png: "photo",
  webp: "sticker",
  heic: "photo",
  gif: "gif",
  mp4: "video",
  mov: "video",
  "3gp": "video",
  opus: "voice",
  ogg: "audio",
  m4a: "audio",
  mp3: "audio",
  aac: "audio",
  pdf: "file",
  vcf: "contact",
  docx: "file",
  xlsx: "file",
  zip: "file",
};

function attachmentOf(name: string): Attachment {
  const dot = name.lastIndexOf(".");
  const ext = dot >= 0 ? name.slice(dot + 1).toLowerCase() : "";
  const mediaType = MEDIA_BY_EXTENSION[ext] ?? "file";
  return { name, mediaType };
}
