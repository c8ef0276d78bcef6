"""Every error code the simulator can answer, what it means and what a client does.

This is the single source of the error page (``GET /errors/``); ``docs/errors.md``
holds the same entries, and ``tests/unit/test_error_codes.py`` keeps the two and
the code in step. Plain data: nothing here touches Django or the database.

A code may have several entries when it is answered in more than one place or
with more than one HTTP status (``invalid_request`` is a 400 almost everywhere,
but a 404 for an unknown ``process_id`` and a 405 for a wrong method).
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class ErrorCode:
    """One error code, where it is answered, and what to do about it."""

    code: str
    http_status: int
    where: str
    meaning_ja: str
    meaning_en: str
    action_ja: str
    action_en: str


@dataclass(frozen=True)
class Section:
    """A group of codes answered the same way (JSON, a redirect, a page)."""

    key: str
    title_ja: str
    title_en: str
    entries: tuple[ErrorCode, ...]


BACK_CHANNEL = "POST /oauth/par, POST /oauth/token, POST /request, POST /result"

_OAUTH = (
    ErrorCode(
        "invalid_request",
        400,
        BACK_CHANNEL,
        "リクエストの形式が正しくありません。パラメータの欠落・重複、未登録の"
        " redirect_uri、S256 以外の code_challenge_method、長さが範囲外の state・"
        "nonce（8〜200文字）や code_challenge（43〜128文字）、不正な"
        " query_condition（error_description は query_condition: invalid_condition"
        " または query_condition: latest_not_supported）、JSON でない本文、"
        "ヘッダ以外に置かれたアクセストークン、100文字を超える Idempotency-Key、"
        "未知の X-Simulator-Scenario・X-Simulator-Fault の値。",
        "The request is malformed: a parameter missing or repeated, a redirect_uri"
        " that is not registered, a code_challenge_method other than S256, a state or"
        " nonce (8-200 characters) or code_challenge (43-128) of the wrong length, a"
        " bad query_condition (error_description query_condition: invalid_condition"
        " or query_condition: latest_not_supported), a body that is not JSON, an"
        " access token outside the Authorization header, an Idempotency-Key over 100"
        " characters, or an unknown X-Simulator-Scenario or X-Simulator-Fault value.",
        "同じリクエストを再試行しても結果は変わりません。error_description を読んで"
        "リクエストを直してから送ります。認可の途中なら PAR からやり直します。",
        "Retrying the same request gets the same answer. Read error_description, fix"
        " the request, then send it; during authorization, start again from PAR.",
    ),
    ErrorCode(
        "invalid_request",
        404,
        "POST /result",
        "process_id がこの同意（アクセストークンの grant）の処理として存在しません。",
        "The process_id is not a process of this consent (the access token's grant).",
        "再試行しません。同じ同意で POST /request が返した process_id を使います。"
        "失ったときは同じ Idempotency-Key で POST /request を送り直すと同じ"
        " process_id が返ります。",
        "Do not retry. Use the process_id that POST /request returned under the same"
        " consent; if it was lost, send POST /request again with the same"
        " Idempotency-Key, which returns the same process_id.",
    ),
    ErrorCode(
        "invalid_request",
        405,
        BACK_CHANNEL,
        "POST 以外のメソッドで呼ばれました（本文は JSON の error）。",
        "The endpoint was called with a method other than POST (the body is a JSON"
        " error).",
        "POST で呼びます。再試行は不要です。",
        "Call it with POST; no retry.",
    ),
    ErrorCode(
        "invalid_client",
        401,
        "POST /oauth/par, POST /oauth/token",
        "クライアント認証（private_key_jwt）に失敗しました。client_assertion_type"
        " が jwt-bearer でない、アサーションの形式が不正・iss がない、未登録の"
        " client_id・client_id と iss の不一致、登録した公開鍵で ES256・PS256 の署名"
        "が検証できない、sub・aud（発行者識別子と完全一致）・jti・exp・iat が不正"
        "（許容誤差30秒）、有効期間が300秒を超える、jti の再利用。",
        "Client authentication (private_key_jwt) failed: client_assertion_type is"
        " not jwt-bearer, the assertion is malformed or has no iss, the client_id is"
        " unknown or differs from iss, the ES256/PS256 signature does not verify"
        " with the registered keys, sub, aud (exactly the issuer), jti, exp or iat"
        " is wrong (30 s of skew allowed), the assertion lives over 300 s, or its"
        " jti was used before.",
        "同じアサーションは送り直しません。呼び出しごとに新しいアサーション（新しい"
        " jti、iat は現在時刻、exp は iat+300秒以内、aud はメタデータの issuer）を"
        "作り、登録した鍵を確かめます。新しいアサーションで1回だけ再試行し、続く"
        "ときは設定を直します。",
        "Never resend the same assertion. Build a new one for every call (new jti,"
        " iat now, exp at most 300 s later, aud the metadata's issuer) and check the"
        " registered key; retry once with a new assertion, then fix the"
        " configuration.",
    ),
    ErrorCode(
        "invalid_client",
        400,
        "POST /result",
        "クライアントが使える暗号化鍵（use=enc）を登録していないため、結果を暗号化"
        "できません（jwks_uri の鍵が取得できない場合を含む）。",
        "The client has no usable encryption key (use=enc) registered, so the result"
        " cannot be sealed (this includes a jwks_uri that cannot be fetched).",
        "暗号化鍵を登録し（POST /api/v1/clients/{client_id} の jwks、または"
        " jwks_uri で公開）、同じ process_id で POST /result を呼び直します。",
        "Register an encryption key (jwks in POST /api/v1/clients/{client_id}, or"
        " publish it at jwks_uri), then call POST /result again with the same"
        " process_id.",
    ),
    ErrorCode(
        "unsupported_response_type",
        400,
        "POST /oauth/par",
        "response_type が code ではありません。",
        "response_type is not code.",
        "response_type=code を送ります。再試行は不要です。",
        "Send response_type=code; no retry.",
    ),
    ErrorCode(
        "invalid_scope",
        400,
        "POST /oauth/par",
        "tm_codes が空、未知の TM コードを含む、またはクライアントに登録されていない"
        "情報を求めています。",
        "tm_codes is empty, holds an unknown TM code, or asks for information the"
        " client is not registered for.",
        "登録した TM コード（GET /api/v1/clients/{client_id} の tm_codes）だけを"
        "求めます。増やすときは登録を変更してから新しい PAR を送ります。",
        "Ask only for the TM codes registered (tm_codes of GET"
        " /api/v1/clients/{client_id}); to ask for more, change the registration,"
        " then push a new request.",
    ),
    ErrorCode(
        "invalid_grant",
        400,
        "POST /oauth/token",
        "認可コードが未知・使用済み（最初の交換で発行したトークンと同意は取り消され"
        "ます）・期限切れ（60秒）、redirect_uri や code_verifier が PAR と一致しない、"
        "またはリフレッシュトークンが未知・取り消し済み・期限切れ・同意の期限切れ。",
        "The authorization code is unknown, already used (the tokens and consent of"
        " the first exchange are revoked), or expired (60 s), the redirect_uri or"
        " code_verifier does not match the PAR, or the refresh token is unknown,"
        " revoked or expired, or its consent has ended.",
        "再試行しません。認可コードなら新しい PAR（新しい state・nonce・PKCE）から"
        "やり直し、利用者にもう一度同意してもらいます。リフレッシュトークンなら同意"
        "が終わっているので、再同意を求めます。",
        "Do not retry. For a code, start a fresh authorization (new PAR, state, nonce"
        " and PKCE) and have the user consent again. For a refresh token the consent"
        " is over: ask the user to consent again.",
    ),
    ErrorCode(
        "unsupported_grant_type",
        400,
        "POST /oauth/token",
        "grant_type が authorization_code でも refresh_token でもありません。",
        "grant_type is neither authorization_code nor refresh_token.",
        "正しい grant_type を送ります。再試行は不要です。",
        "Send a supported grant_type; no retry.",
    ),
    ErrorCode(
        "invalid_token",
        401,
        "POST /request, POST /result",
        "Authorization: Bearer ヘッダがない、またはアクセストークンが未知・期限切れ"
        "（5分）・取り消し済み、同意が期限切れ・取り消し済みです。",
        "No Authorization: Bearer header, or the access token is unknown, expired"
        " (5 min) or revoked, or its consent has expired or been revoked.",
        "リフレッシュトークン（grant_type=refresh_token）で新しいアクセストークンを"
        "得て1回だけ再試行します。リフレッシュが invalid_grant なら同意が終わって"
        "いるので再同意を求めます。",
        "Get a new access token with the refresh token (grant_type=refresh_token)"
        " and retry once; if the refresh answers invalid_grant the consent is over:"
        " ask the user to consent again.",
    ),
    ErrorCode(
        "insufficient_scope",
        403,
        "POST /request",
        "tm_codes に同意されていない情報が含まれています。",
        "tm_codes names information the user did not consent to.",
        "同意された TM コードだけを求めます（tm_codes を省くと同意した全部）。"
        "ほかの情報には新しい同意が要ります。",
        "Ask only for consented TM codes (leave tm_codes out for all of them); other"
        " information needs a new consent.",
    ),
    ErrorCode(
        "client_suspended",
        403,
        BACK_CHANNEL,
        "クライアントは効力発生日から利用停止中です（ガイドライン§6）。",
        "The client is suspended (利用停止) from its effective date (guideline §6).",
        "自動で再試行しません。利用再開まで呼び出しを止め、運用者に連絡します"
        "（シミュレーターでは lifecycle の resume）。",
        "Do not retry automatically. Stop calling until the use is resumed and"
        " contact the operator (on the simulator: the lifecycle action resume).",
    ),
    ErrorCode(
        "client_ended",
        403,
        BACK_CHANNEL,
        "クライアントの利用は効力発生日から終了しています（利用終了）。",
        "The client's use has ended (利用終了) from its effective date.",
        "最終的な応答です。再試行しません。",
        "Final: do not retry.",
    ),
    ErrorCode(
        "temporarily_unavailable",
        503,
        BACK_CHANNEL,
        "注入された障害です（X-Simulator-Fault または POST /api/v1/control/faults）。"
        "状態コードは指定どおり（400〜599）で、429 と 503 には Retry-After: 1 が"
        "付きます。",
        "An injected fault (X-Simulator-Fault or POST /api/v1/control/faults); the"
        " status is the one asked for (400-599), and 429 and 503 carry Retry-After:"
        " 1.",
        "一時的な障害として扱い、Retry-After（なければ上限付きの指数バックオフと"
        "ゆらぎ）の後に回数を限って再試行します。POST /request は同じ"
        " Idempotency-Key で送り、処理を二重に作りません。",
        "Treat it as transient: retry after Retry-After (or capped exponential"
        " backoff with jitter), a limited number of times. Resend POST /request with"
        " the same Idempotency-Key so that no second process is made.",
    ),
)

_RESULT = (
    ErrorCode(
        "middle_server_unavailable",
        200,
        "POST /result",
        "必要なサーバ（中間サーバ、情報提供ネットワークシステムなど）が計画停止中"
        "または停止中です。server（サーバコード）、server_name、reason、"
        "available_at（再開時刻、日本時間の ISO 8601、不明なら null）、retry_after"
        "（秒、不明なら null）を返します。",
        "A server the result needs (a middle server, the information network, ...)"
        " is in a planned stop or down. The answer holds server (its code),"
        " server_name, reason, available_at (when it is back, ISO 8601 in Japan"
        " time, or null) and retry_after (seconds, or null).",
        "再試行できます。ポーリングせず、retry_after 秒後（available_at）か結果通知"
        "を受けたときに、同じ process_id で POST /result を1回呼びます。新しい"
        " POST /request は送りません。停止が同意の期限（consent_expires_at）を越える"
        "なら再同意を求めます。null のときは間隔を空けて（例：1時間）確かめます。",
        "Retryable. Do not poll: call POST /result once with the same process_id"
        " after retry_after seconds (at available_at) or when the result-ready"
        " notice arrives; send no new POST /request. If the stop outlasts the"
        " consent (consent_expires_at), ask the user to consent again. When the"
        " values are null, check back at long intervals (e.g. hourly).",
    ),
    ErrorCode(
        "no_data",
        200,
        "POST /result",
        "照会条件に合う記録がありません（例：鈴木 一郎の2022年度以外、伊藤 さくら）。",
        "No record matches the query condition (e.g. 鈴木 一郎 outside 2022, or"
        " 伊藤 さくら).",
        "最終的な応答です。再試行せず、情報が見つからなかったことを利用者に伝え、"
        "手入力を案内します。別の照会条件には新しい同意が要ります。",
        "Final: do not retry. Tell the user nothing was found and offer to type the"
        " value; another query condition needs a new consent.",
    ),
    ErrorCode(
        "not_connected",
        200,
        "POST /result",
        "利用者の住所地の自治体が接続していません（例：渡辺 健）。",
        "The user's municipality is not connected (e.g. 渡辺 健).",
        "最終的な応答です。再試行せず、手入力を案内します。",
        "Final: do not retry; offer to type the value.",
    ),
)

_IDENTITY_REASONS = (
    (
        "card_locked",
        "暗証番号を3回続けて間違えたため、カードがロックされています。",
        "The card is locked after three wrong PINs in a row.",
        "利用者は市区町村の窓口でロックの解除を申請する必要があります。再試行せず、"
        "手入力を案内します。",
        "The user must have the lock released at their municipal office; do not"
        " retry, offer to type the value.",
    ),
    (
        "expired",
        "利用者証明用電子証明書の有効期限が切れています。",
        "The card's user-authentication certificate has expired.",
        "利用者は証明書の更新が必要です。再試行せず、手入力を案内します。",
        "The user must renew the certificate; do not retry, offer to type the value.",
    ),
    (
        "revoked",
        "利用者証明用電子証明書が失効しています。",
        "The card's certificate has been revoked.",
        "利用者は証明書の再発行が必要です。再試行せず、手入力を案内します。",
        "The user needs a new certificate; do not retry, offer to type the value.",
    ),
    (
        "not_yet_valid",
        "利用者証明用電子証明書の有効期間がまだ始まっていません。",
        "The card's certificate is not valid yet.",
        "再試行せず、手入力を案内します。",
        "Do not retry; offer to type the value.",
    ),
    (
        "untrusted_certificate",
        "証明書の発行元（デモ用 JPKI 認証局）までの検証ができません。",
        "The certificate does not chain to the (demo JPKI) CA.",
        "再試行せず、手入力を案内します。続くときは運用者に連絡します。",
        "Do not retry; offer to type the value, and tell the operator if it persists.",
    ),
    (
        "bad_signature",
        "カードによるチャレンジへの署名が検証できません。",
        "The card's signature over the portal's challenge does not verify.",
        "新しい PAR から1回だけやり直せます。続くときは手入力を案内します。",
        "A fresh authorization may be tried once; then offer to type the value.",
    ),
)

_REDIRECT = (
    ErrorCode(
        "access_denied",
        303,
        "redirect_uri (authorization response)",
        "利用者が同意画面で「キャンセル」を押しました（error_description なし）。"
        "本人確認の失敗は下の identity_verification_failed:<理由> を"
        " error_description に付けて返します。",
        "The user pressed キャンセル on the consent screen (no error_description)."
        " A failed identity check comes back with"
        " identity_verification_failed:<reason> below as error_description.",
        "まず iss と state を確かめます。自動で再試行せず、利用者の入力を残した"
        "フォームに戻し、やり直し（新しい PAR）か手入力を選べるようにします。",
        "Check iss and state first. Do not retry automatically: return to the form"
        " with what the user typed, and offer to try again (a new PAR) or to type"
        " the value.",
    ),
    ErrorCode(
        "identity_verification_failed:wrong_pin",
        303,
        "redirect_uri (X-Simulator-Pin only)",
        "ヘッダ層（X-Simulator-Pin）で暗証番号が違いました。誤りは回数に数えられ、"
        "3回続くとカードがロックされます。画面では利用者がその場で入力し直せるので、"
        "この応答はヘッダ層だけです。",
        "A wrong PIN through the header layer (X-Simulator-Pin). It counts towards"
        " the lock: three in a row lock the card. On the screens the user simply"
        " retries, so only the header layer answers this.",
        "CI の設定（ペルソナと暗証番号）を直し、新しい PAR からやり直します。",
        "Fix CI's persona and PIN, then start again from a new PAR.",
    ),
    *(
        ErrorCode(
            f"identity_verification_failed:{reason}",
            303,
            "redirect_uri (authorization response)",
            meaning_ja,
            meaning_en,
            action_ja,
            action_en,
        )
        for reason, meaning_ja, meaning_en, action_ja, action_en in _IDENTITY_REASONS
    ),
)

_PAGES = (
    ErrorCode(
        "par_required",
        400,
        "GET /oauth/authorize",
        "request_uri がありません。認可リクエストは事前に PAR で登録する必要が"
        "あります。",
        "There is no request_uri: the authorization request must be pushed (PAR)"
        " first.",
        "POST /oauth/par の後、client_id と request_uri だけを付けて"
        " /oauth/authorize にリダイレクトします。",
        "Push the request with POST /oauth/par, then redirect to /oauth/authorize"
        " with client_id and request_uri only.",
    ),
    ErrorCode(
        "invalid_request_uri",
        400,
        "GET /oauth/authorize",
        "request_uri がこの client_id のものでない、期限切れ（90秒）、または使用済み"
        "です。",
        "The request_uri is not this client_id's, has expired (90 s), or was used.",
        "認可のたびに新しい PAR を送り、90秒以内にリダイレクトします。request_uri"
        " は再利用しません。",
        "Push a new request for every authorization and redirect within 90 s; never"
        " reuse a request_uri.",
    ),
    ErrorCode(
        "client_suspended",
        400,
        "GET /oauth/authorize",
        "クライアントが利用停止中のため、同意画面を表示しません。",
        "The client is suspended, so the consent screen is not shown.",
        "利用再開まで利用者を送りません。",
        "Send no user until the use is resumed.",
    ),
    ErrorCode(
        "client_ended",
        400,
        "GET /oauth/authorize",
        "クライアントの利用が終了しているため、同意画面を表示しません。",
        "The client's use has ended, so the consent screen is not shown.",
        "最終的な応答です。利用者を送りません。",
        "Final: send no user.",
    ),
    ErrorCode(
        "unknown_persona",
        400,
        "GET /oauth/authorize (X-Simulator-Persona)",
        "X-Simulator-Persona に指定された利用者（ペルソナ）がいません。",
        "X-Simulator-Persona names no persona.",
        "ペルソナの表にある slug（例：yamada-hanako）を指定し、新しい PAR から"
        "やり直します。",
        "Name a slug from the personas table (e.g. yamada-hanako) and start again"
        " from a new PAR.",
    ),
    ErrorCode(
        "session_expired",
        400,
        "GET/POST /oauth/consent, GET/POST /oauth/identity",
        "ブラウザのセッションに有効な認可手続きがありません（Cookie の消失、完了・"
        "期限切れの手続き、同意前の本人確認）。",
        "The browser session holds no live authorization (cookie lost, the journey"
        " completed or expired, or identity before consent).",
        "利用者はサービスの画面からやり直します（新しい PAR）。",
        "The user starts again from the service (a new PAR).",
    ),
    ErrorCode(
        "pin_format",
        200,
        "POST /oauth/identity",
        "暗証番号が数字4桁ではありません。回数には数えません。",
        "The PIN is not four digits; it does not count towards the lock.",
        "利用者が数字4桁を入力し直します。",
        "The user enters four digits.",
    ),
    ErrorCode(
        "wrong_pin",
        200,
        "POST /oauth/identity",
        "暗証番号が違います。残りの回数を表示します。3回続けて間違えるとロック"
        "されます。",
        "The PIN is wrong; the attempts left are shown, and three wrong PINs in a row"
        " lock the card.",
        "利用者が入力し直します。正しい暗証番号で回数は0に戻ります。",
        "The user tries again; a correct PIN resets the count.",
    ),
    *(
        ErrorCode(
            reason,
            403,
            "POST /oauth/identity",
            meaning_ja + "戻るリンクは access_denied を返します。",
            meaning_en + " The page's return link answers access_denied.",
            action_ja,
            action_en,
        )
        for reason, meaning_ja, meaning_en, action_ja, action_en in _IDENTITY_REASONS
    ),
)

_CONTROL = (
    ErrorCode(
        "invalid_request",
        400,
        "/api/v1/control/*, /api/v1/clients*, GET /api/v1/operating-status",
        "本文が JSON のオブジェクトでない、未知のフィールド、範囲外の値、ISO 8601"
        " でない時刻など。理由は error_description にあります。",
        "The body is not a JSON object, or holds an unknown field, a value out of"
        " range, a time that is not ISO 8601, ...; error_description says which.",
        "error_description に従って直します。再試行しても結果は変わりません。",
        "Fix what error_description says; the same call gets the same answer.",
    ),
)

KIOSK_READER = "POST /api/v1/card-reader/sign"

_KIOSK = (
    ErrorCode(
        "invalid_request",
        400,
        "POST /oauth/kiosk/consent, POST /oauth/kiosk/identity, " + KIOSK_READER,
        "キオスク端末の要求の形式が正しくありません。consent=given がない、nonce"
        " の長さが範囲外、未知・使用済み・期限切れ（300秒）の kiosk_request、"
        "カードリーダーへの本文に card・pin（4桁）・challenge（32バイト、base64url）"
        "がそろっていない、など。",
        "The kiosk's request is malformed: no consent=given, a nonce of the wrong"
        " length, a kiosk_request that is unknown, used or past its 300 s, or a"
        " reader body without card, a 4-digit pin and a 32-byte base64url challenge.",
        "error_description に従って直します。kiosk_request は1回しか使えないので、"
        "同意の送信からやり直します。",
        "Fix what error_description says; a kiosk_request works once, so send the"
        " consent again.",
    ),
    ErrorCode(
        "access_denied",
        400,
        "POST /oauth/kiosk/identity",
        "カードの署名・証明書が検証できませんでした。error_description は"
        " identity_verification_failed:<理由>（上の expired、revoked、bad_signature"
        " など）です。kiosk_request はこれで使用済みになります。",
        "The card's signature or certificate did not verify; error_description is"
        " identity_verification_failed:<reason> (expired, revoked, bad_signature,"
        " ... as above). The kiosk_request is spent.",
        "キオスク端末での手続きを終え、カードを返し、窓口か Web での手続きを案内"
        "します。",
        "End the kiosk transaction, return the card, and offer the counter or the"
        " web flow.",
    ),
    ErrorCode(
        "wrong_pin",
        403,
        KIOSK_READER,
        "カードの暗証番号が違います。attempts_left はロックまでの残りの回数です。"
        "Web の本人確認画面と同じく、3回続けて間違えるとロックされます。",
        "The card's PIN is wrong; attempts_left says how many tries remain. As on"
        " the web's identity screen, three wrong PINs in a row lock the card.",
        "利用者が入力し直します。正しい暗証番号で回数は0に戻ります。",
        "The user tries again; a correct PIN resets the count.",
    ),
    ErrorCode(
        "card_locked",
        403,
        KIOSK_READER,
        "暗証番号を3回続けて間違えたため、カードがロックされています。",
        "The card is locked after three wrong PINs in a row.",
        "利用者は市区町村の窓口でロックの解除を申請する必要があります。手続きを"
        "終え、カードを返します。",
        "The user must have the lock released at their municipal office; end the"
        " transaction and return the card.",
    ),
    ErrorCode(
        "unknown_card",
        404,
        KIOSK_READER,
        "カードリーダーにその card（ペルソナの slug）のカードがありません。",
        "The reader has no card of that id (a persona's slug).",
        "GET /api/v1/card-reader/cards の一覧から選びます。",
        "Choose one listed by GET /api/v1/card-reader/cards.",
    ),
)

SECTIONS: tuple[Section, ...] = (
    Section(
        "oauth",
        "OAuth と API のエラー（JSON の error と error_description）",
        "OAuth and API errors (JSON error and error_description)",
        _OAUTH,
    ),
    Section(
        "result",
        "結果のエラー（HTTP 200、status が error）",
        "Result errors (HTTP 200, status error)",
        _RESULT,
    ),
    Section(
        "redirect",
        "認可応答のエラー（redirect_uri へのリダイレクト）",
        "Authorization response errors (redirect to redirect_uri)",
        _REDIRECT,
    ),
    Section(
        "pages",
        "ポータルの画面のエラー（HTML）",
        "Portal page errors (HTML)",
        _PAGES,
    ),
    Section(
        "kiosk",
        "キオスク端末のエラー（JSON）",
        "Kiosk errors (JSON)",
        _KIOSK,
    ),
    Section(
        "control",
        "コントロール API・利用者登録 API のエラー（JSON）",
        "Control and clients API errors (JSON)",
        _CONTROL,
    ),
)

ENTRIES: tuple[ErrorCode, ...] = tuple(
    entry for section in SECTIONS for entry in section.entries
)


def codes() -> frozenset[str]:
    """Every error code that has an entry."""
    return frozenset(entry.code for entry in ENTRIES)


def entries_for(code: str) -> tuple[ErrorCode, ...]:
    """The entries of one code (several when it is answered in several places)."""
    return tuple(entry for entry in ENTRIES if entry.code == code)
