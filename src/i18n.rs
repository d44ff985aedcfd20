//! User-facing messages for the stable error codes of docs/protocol.md, in
//! Vietnamese (the default) and English.

/// Language of user-facing text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    #[default]
    Vi,
    En,
}

impl Lang {
    /// BCP 47 tag, for `Content-Language`.
    pub fn as_str(self) -> &'static str {
        match self {
            Lang::Vi => "vi",
            Lang::En => "en",
        }
    }

    /// Picks the supported language the client prefers most, by q-value (ties:
    /// the one listed first). Vietnamese when nothing supported is asked for.
    pub fn from_accept_language(header: Option<&str>) -> Lang {
        let mut best: Option<(f32, Lang)> = None;
        for item in header.unwrap_or_default().split(',') {
            let mut parts = item.split(';');
            let tag = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
            let q = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|v| v.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            let lang = match tag.split('-').next() {
                Some("vi") => Lang::Vi,
                Some("en") => Lang::En,
                _ => continue, // unsupported, or "*": the default covers it
            };
            if q > 0.0 && best.is_none_or(|(bq, _)| q > bq) {
                best = Some((q, lang));
            }
        }
        best.map_or(Lang::Vi, |(_, lang)| lang)
    }
}

static VI: &[(&str, &str)] = &[
    // Field codes
    ("required", "Đây là thông tin bắt buộc."),
    ("too_long", "Thông tin quá dài."),
    ("invalid_name", "Họ và tên không hợp lệ. Vui lòng nhập đầy đủ họ tên, chỉ dùng chữ cái, dấu cách, dấu gạch ngang, dấu nháy đơn hoặc dấu chấm."),
    ("invalid_date", "Ngày không hợp lệ. Vui lòng nhập đúng ngày, tháng, năm (ví dụ 25/12/2005)."),
    ("too_young", "Bạn chưa đủ tuổi tối thiểu để tham gia cuộc thi này."),
    ("invalid_sex", "Vui lòng chọn giới tính Nam hoặc Nữ."),
    ("invalid_phone", "Số điện thoại không hợp lệ. Vui lòng nhập số di động gồm 10 chữ số, ví dụ 0912 345 678."),
    ("invalid_cccd", "Số CCCD phải gồm đúng 12 chữ số."),
    ("cccd_province", "Số CCCD không hợp lệ: 3 chữ số đầu không phải là mã tỉnh, thành phố."),
    ("cccd_mismatch_dob", "Số CCCD không khớp với năm sinh đã nhập."),
    ("cccd_mismatch_sex", "Số CCCD không khớp với giới tính đã chọn."),
    ("unknown_commune", "Không tìm thấy xã, phường hoặc đặc khu đã chọn. Vui lòng chọn lại trong danh sách."),
    ("unknown_unit", "Không tìm thấy đơn vị dự thi đã chọn. Vui lòng chọn lại trong danh sách."),
    // HTTP
    ("bad_request", "Yêu cầu không hợp lệ."),
    ("invalid_fields", "Một số thông tin chưa hợp lệ. Vui lòng kiểm tra lại."),
    ("consent_required", "Bạn cần đồng ý với điều khoản xử lý dữ liệu cá nhân mới nhất để đăng ký."),
    ("phone_taken", "Số điện thoại này đã được đăng ký trong cuộc thi."),
    ("cccd_taken", "Số CCCD này đã được đăng ký trong cuộc thi."),
    ("not_found", "Không tìm thấy nội dung yêu cầu."),
    ("unauthorized", "Phiên đăng nhập không hợp lệ hoặc đã hết hạn. Vui lòng đăng nhập lại."),
    ("login_failed", "Số điện thoại hoặc ngày sinh không đúng."),
    ("payload_too_large", "Dữ liệu gửi lên quá lớn."),
    ("internal", "Hệ thống đang gặp sự cố. Vui lòng thử lại sau."),
    ("rate_limited", "Có quá nhiều yêu cầu. Vui lòng thử lại sau giây lát."),
    ("pow_required", "Hệ thống đang bận: thiết bị của bạn cần xác minh trong giây lát, vui lòng chờ và thử lại."),
    ("scan_busy", "Cuộc thi đang được rà soát, vui lòng thử lại sau ít phút."),
    ("case_decided", "Trường hợp này đã được xử lý."),
    // Websocket
    ("malformed", "Dữ liệu gửi lên không đúng định dạng."),
    ("too_large", "Dữ liệu gửi lên vượt quá 64 KB."),
    ("binary_not_supported", "Hệ thống không nhận dữ liệu dạng nhị phân."),
    ("round_not_open", "Đợt thi chưa mở hoặc đã kết thúc."),
    ("attempt_limit", "Bạn đã hết lượt thi trong đợt này."),
    ("deadline_passed", "Đã hết giờ làm bài, câu trả lời không được lưu."),
    ("already_submitted", "Bài thi đã được nộp, không thể thay đổi câu trả lời."),
    ("invalid_question", "Câu hỏi không thuộc bài thi này."),
    ("invalid_option", "Phương án trả lời không hợp lệ."),
    ("prediction_required", "Vui lòng trả lời câu hỏi dự đoán trước khi nộp bài."),
    ("invalid_prediction", "Số dự đoán phải là số nguyên từ 0 đến 1.000.000.000."),
    ("seq_invalid", "Số thứ tự câu trả lời không hợp lệ (phải là số nguyên từ 1 đến 9.007.199.254.740.991)."),
    ("id_invalid", "Mã đợt thi hoặc mã câu hỏi không hợp lệ (phải là số nguyên dương)."),
    ("unavailable", "Hệ thống tạm thời gián đoạn. Vui lòng thử lại."),
    ("forbidden", "Tài khoản của bạn không có quyền thực hiện thao tác này."),
    ("csrf_failed", "Phiên làm việc không hợp lệ. Vui lòng tải lại trang và thử lại."),
    ("credentials_invalid", "Email hoặc mật khẩu không đúng."),
    ("weak_password", "Mật khẩu phải có từ 12 đến 128 ký tự (có thể là một câu dễ nhớ), không phải cùng một ký tự lặp lại."),
    ("common_password", "Mật khẩu này quá phổ biến, dễ bị đoán. Hãy chọn mật khẩu khác, ví dụ một câu dễ nhớ gồm vài từ."),
    ("password_unchanged", "Mật khẩu mới phải khác mật khẩu hiện tại."),
    ("password_change_required", "Bạn đang dùng mật khẩu tạm thời. Hãy đổi mật khẩu trước khi tiếp tục."),
    ("password_expired", "Mật khẩu tạm thời đã hết hạn (sau 72 giờ). Hãy nhờ quản trị viên của tổ chức đặt lại mật khẩu."),
    ("invalid_email", "Địa chỉ email không hợp lệ."),
    ("invalid_role", "Vai trò phải là quản trị, tổ chức hoặc xem."),
    ("already_member", "Tài khoản này đã là thành viên của tổ chức."),
    ("member_elsewhere", "Tài khoản này còn thuộc một tổ chức khác mà bạn không quản trị: không thể đặt lại mật khẩu."),
    ("slug_taken", "Đường dẫn này đã được cuộc thi khác sử dụng."),
    ("invalid_slug", "Đường dẫn chỉ gồm chữ thường không dấu, chữ số và dấu gạch ngang."),
    ("invalid_number", "Giá trị số không hợp lệ."),
    ("invalid_window", "Thời điểm kết thúc phải sau thời điểm bắt đầu."),
    ("invalid_value", "Giá trị không hợp lệ."),
    ("invalid_options", "Mỗi câu hỏi cần từ 2 đến 6 phương án, không để trống."),
    ("invalid_translation", "Bản dịch cần mã ngôn ngữ 2–3 chữ cái, nội dung câu hỏi và đúng số phương án như bản tiếng Việt."),
    ("invalid_lang", "Mã ngôn ngữ không hợp lệ (ví dụ: en, km, hmn)."),
    ("invalid_logo", "Logo phải là ảnh PNG, JPEG hoặc WebP không quá 40 KB và không quá 2048×2048 điểm ảnh (hoặc một đường dẫn trên máy chủ này)."),
    ("not_revealed", "Đáp án của đợt thi này chưa được công bố."),
    ("attempt_not_submitted", "Bài thi chưa được nộp: chưa thể xem lại đáp án hay đánh giá."),
    ("draw_mismatch", "Tổng số câu của quy tắc rút đề phải bằng số câu mỗi lượt thi."),
    ("prediction_missing", "Cách xếp hạng dùng câu hỏi dự đoán nhưng đợt thi không có câu hỏi dự đoán."),
    ("unknown_province", "Không tìm thấy tỉnh, thành phố có mã này."),
    ("import_failed", "Tệp có lỗi nên chưa nhập dữ liệu nào. Vui lòng sửa các dòng được liệt kê."),
    ("publish_blocked", "Chưa thể công bố cuộc thi. Vui lòng khắc phục các vấn đề được liệt kê."),
    ("contest_published", "Cuộc thi đã công bố: chỉ được sửa tiêu đề và nội dung giới thiệu."),
    ("round_started", "Đợt thi đã có người dự thi: chỉ được sửa tên đợt thi."),
    ("stale_version", "Câu hỏi đã có phiên bản mới hơn. Vui lòng sửa phiên bản mới nhất."),
    ("finalize_refused", "Chưa thể tổng hợp kết quả đợt thi này."),
    ("already_disqualified", "Thí sinh này đã bị hủy kết quả."),
    ("not_disqualified", "Thí sinh này không bị hủy kết quả."),
    ("registration_closed", "Cuộc thi hiện không nhận đăng ký."),
    ("contest_password", "Mật khẩu cuộc thi không đúng."),
    ("publish_no_title", "Cuộc thi chưa có tên."),
    ("publish_no_rules", "Chưa có thể lệ cuộc thi."),
    ("publish_no_consent", "Chưa có nội dung đồng ý xử lý dữ liệu cá nhân."),
    ("publish_no_scope", "Chưa chọn phạm vi cuộc thi: một hoặc nhiều tỉnh, thành phố, hoặc toàn quốc."),
    ("publish_no_units", "Cuộc thi chưa có đơn vị dự thi nào."),
    ("publish_no_round", "Cuộc thi chưa có đợt thi nào."),
    ("publish_round_window", "Đợt thi «{round}»: thời điểm đóng trước thời điểm mở."),
    ("publish_round_before_registration", "Đợt thi «{round}»: đóng trước khi mở đăng ký nên không ai dự thi được."),
    ("publish_draw_short", "Đợt thi «{round}»: ngân hàng câu hỏi chỉ có {available} câu cho nhóm {count} câu {kind}."),
    ("difficulty_easy", "dễ"),
    ("difficulty_medium", "trung bình"),
    ("difficulty_hard", "khó"),
    ("not_eligible", "Bạn không thuộc đối tượng dự thi của cuộc thi này."),
    ("account_elsewhere", "Địa chỉ thư điện tử này là tài khoản của một tổ chức khác nên không thể thêm vào đây. Hãy dùng một địa chỉ khác."),
    ("outside_scope", "Xã, phường này không thuộc phạm vi của cuộc thi. Vui lòng chọn trong danh sách."),
    ("scope_required", "Vui lòng chọn phạm vi cuộc thi: một hoặc nhiều tỉnh, thành phố, hoặc toàn quốc."),
    ("origin_forbidden", "Trang web này không được phép kết nối tới cuộc thi."),
    ("personal_data_forbidden", "Tài khoản của bạn không được phép xuất dữ liệu cá nhân."),
    ("not_a_winner", "Thí sinh này hiện không có giải trong đợt thi đã chọn."),
    ("answer_locked", "Đợt thi này không cho phép sửa câu trả lời đã lưu."),
    ("winners_unverified", "Còn người đoạt giải chưa được xác minh, chưa thể công bố danh sách."),
    ("participant_erased", "Dữ liệu cá nhân của thí sinh này đã được xóa."),
    ("attempt_exists", "Chưa bắt đầu được lượt thi. Vui lòng thử lại."),
    ("survey_already_answered", "Bạn đã gửi đánh giá cho lượt thi này."),
    ("overall_ranking_off", "Cuộc thi này không xếp hạng chung qua các đợt thi."),
    ("unknown_prize", "Tên giải không có trong cơ cấu giải của cuộc thi."),
];

static EN: &[(&str, &str)] = &[
    ("required", "This field is required."),
    ("too_long", "This value is too long."),
    (
        "invalid_name",
        "Invalid full name. Please enter your full name using only letters, spaces, hyphens, apostrophes or dots.",
    ),
    ("invalid_date", "Invalid date. Please enter a real day, month and year (e.g. 25/12/2005)."),
    ("too_young", "You are below the minimum age for this contest."),
    ("invalid_sex", "Please choose male or female."),
    ("invalid_phone", "Invalid phone number. Please enter a 10-digit Vietnamese mobile number, e.g. 0912 345 678."),
    ("invalid_cccd", "The CCCD number must have exactly 12 digits."),
    ("cccd_province", "Invalid CCCD number: the first 3 digits are not a province code."),
    ("cccd_mismatch_dob", "The CCCD number does not match the year of birth you entered."),
    ("cccd_mismatch_sex", "The CCCD number does not match the sex you selected."),
    ("unknown_commune", "The selected commune was not found. Please choose one from the list."),
    ("unknown_unit", "The selected participating unit was not found. Please choose one from the list."),
    ("bad_request", "The request is not valid."),
    ("invalid_fields", "Some of the information is invalid. Please check it."),
    ("consent_required", "You must accept the latest personal-data processing terms to register."),
    ("phone_taken", "This phone number is already registered for this contest."),
    ("cccd_taken", "This CCCD number is already registered for this contest."),
    ("not_found", "The requested item was not found."),
    ("unauthorized", "Your session is invalid or has expired. Please sign in again."),
    ("login_failed", "The phone number or date of birth is incorrect."),
    ("payload_too_large", "The request is too large."),
    ("internal", "Something went wrong on our side. Please try again later."),
    ("rate_limited", "Too many requests. Please wait a moment and try again."),
    ("pow_required", "The system is busy: your device needs a moment to verify itself, then try again."),
    ("scan_busy", "This contest is being scanned; please try again in a few minutes."),
    ("case_decided", "This case has already been decided."),
    ("malformed", "The message is not in the expected format."),
    ("too_large", "The message is larger than 64 KB."),
    ("binary_not_supported", "Binary messages are not supported."),
    ("round_not_open", "This round has not opened yet or has already closed."),
    ("attempt_limit", "You have no attempts left in this round."),
    ("deadline_passed", "Time is up; the answer was not saved."),
    ("already_submitted", "This attempt has been submitted; answers can no longer be changed."),
    ("invalid_question", "This question is not part of the attempt."),
    ("invalid_option", "Invalid answer option."),
    ("prediction_required", "Please answer the prediction question before submitting."),
    ("invalid_prediction", "The prediction must be a whole number from 0 to 1,000,000,000."),
    ("seq_invalid", "Invalid answer sequence number (a whole number from 1 to 9,007,199,254,740,991)."),
    ("id_invalid", "Invalid round or question id (a positive whole number)."),
    ("unavailable", "The service is temporarily unavailable. Please try again."),
    ("forbidden", "Your account is not allowed to do this."),
    ("csrf_failed", "Your session token is missing or invalid. Reload the page and try again."),
    ("credentials_invalid", "The e-mail address or password is incorrect."),
    ("weak_password", "The password needs 12 to 128 characters (a memorable sentence will do), not one character repeated."),
    ("common_password", "This password is too common and easy to guess. Please choose another, for example a memorable sentence of a few words."),
    ("password_unchanged", "The new password must differ from the current one."),
    ("password_change_required", "You are using a temporary password. Please change it before going on."),
    ("password_expired", "The temporary password has expired (after 72 hours). Please ask an administrator of your organisation to reset it."),
    ("invalid_email", "Invalid e-mail address."),
    ("invalid_role", "The role must be admin, organiser or viewer."),
    ("already_member", "This account is already a member of the organisation."),
    ("member_elsewhere", "This account also belongs to an organisation you do not administer: its password cannot be reset here."),
    ("slug_taken", "Another contest already uses this address."),
    ("invalid_slug", "The address may only contain lowercase letters, digits and hyphens."),
    ("invalid_number", "Invalid number."),
    ("invalid_window", "The end must come after the start."),
    ("invalid_value", "Invalid value."),
    ("invalid_options", "A question needs 2 to 6 non-empty options."),
    ("invalid_translation", "A translation needs a 2–3 letter language code, the question text and exactly as many options as the Vietnamese question."),
    ("invalid_lang", "Invalid language code (e.g. en, km, hmn)."),
    ("invalid_logo", "The logo must be a PNG, JPEG or WebP image of at most 40 KB and 2048×2048 pixels (or a path on this server)."),
    ("not_revealed", "The answers of this round have not been revealed yet."),
    ("attempt_not_submitted", "This attempt has not been submitted yet: it cannot be reviewed or rated."),
    ("draw_mismatch", "The draw rule must add up to the number of questions per attempt."),
    ("prediction_missing", "The ranking uses the prediction but the round has no prediction question."),
    ("unknown_province", "No province has this code."),
    ("import_failed", "The file has errors, so nothing was imported. Please fix the rows listed."),
    ("publish_blocked", "The contest cannot be published yet. Please fix the problems listed."),
    ("contest_published", "The contest is published: only its title and texts can change."),
    ("round_started", "The round already has attempts: only its title can change."),
    ("stale_version", "This question has a newer version. Please edit the latest one."),
    ("finalize_refused", "This round cannot be finalised now."),
    ("already_disqualified", "This participant is already disqualified."),
    ("not_disqualified", "This participant is not disqualified."),
    ("registration_closed", "Registration for this contest is not open."),
    ("contest_password", "The contest password is incorrect."),
    ("publish_no_title", "The contest has no title."),
    ("publish_no_rules", "The rules page (thể lệ) is empty."),
    ("publish_no_consent", "The consent text for personal data is empty."),
    ("publish_no_scope", "The contest has no area: choose one or more provinces, or the whole country."),
    ("publish_no_units", "The contest has no participating units."),
    ("publish_no_round", "The contest has no round."),
    ("publish_round_window", "Round «{round}»: it closes before it opens."),
    ("publish_round_before_registration", "Round «{round}»: it closes before registration opens, so nobody could take it."),
    ("publish_draw_short", "Round «{round}»: the question bank has only {available} questions for the group of {count} questions, {kind}."),
    ("difficulty_easy", "easy"),
    ("difficulty_medium", "medium"),
    ("difficulty_hard", "hard"),
    ("not_eligible", "You are not eligible for this contest."),
    ("account_elsewhere", "This e-mail address is an account of another organisation and cannot be added here. Please use another address."),
    ("outside_scope", "This commune is outside the contest's area. Please choose one from the list."),
    ("scope_required", "Please choose the contest's area: one or more provinces, or the whole country."),
    ("origin_forbidden", "This web page is not allowed to connect to the contest."),
    ("personal_data_forbidden", "Your account is not allowed to export personal data."),
    ("not_a_winner", "This participant holds no prize in that round."),
    ("answer_locked", "This round does not allow changing a saved answer."),
    ("winners_unverified", "Some winners are not verified yet; the list cannot be published."),
    ("participant_erased", "This participant's personal data has been erased."),
    ("attempt_exists", "The attempt could not be started. Please try again."),
    ("survey_already_answered", "You have already rated this attempt."),
    ("overall_ranking_off", "This contest does not rank participants over its rounds."),
    ("unknown_prize", "This prize name is not among the contest's prizes."),
];

static VI_LABELS: &[(&str, &str)] = &[
    ("full_name", "Họ và tên"),
    ("dob", "Ngày sinh"),
    ("sex", "Giới tính"),
    ("phone", "Số điện thoại"),
    ("cccd", "Số định danh cá nhân (CCCD)"),
    ("commune_code", "Xã, phường, đặc khu"),
    ("unit_code", "Đơn vị dự thi"),
    ("consent", "Đồng ý xử lý dữ liệu cá nhân"),
    ("occupation", "Nghề nghiệp"),
];

static EN_LABELS: &[(&str, &str)] = &[
    ("full_name", "Full name"),
    ("dob", "Date of birth"),
    ("sex", "Sex"),
    ("phone", "Phone number"),
    ("cccd", "Personal ID number (CCCD)"),
    ("commune_code", "Commune"),
    ("unit_code", "Participating unit"),
    ("consent", "Consent to personal-data processing"),
    ("occupation", "Occupation"),
];

fn lookup(table: &'static [(&str, &'static str)], key: &str) -> Option<&'static str> {
    table.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
}

/// The message for an error code; a generic one for a code not in the catalogue.
pub fn message(code: &str, lang: Lang) -> &'static str {
    match lang {
        Lang::Vi => lookup(VI, code).unwrap_or("Đã có lỗi xảy ra. Vui lòng thử lại."),
        Lang::En => lookup(EN, code).unwrap_or("Something went wrong. Please try again."),
    }
}

/// The form label of a registration field; a generic one for an unknown field.
pub fn field_label(field: &str, lang: Lang) -> &'static str {
    match lang {
        Lang::Vi => lookup(VI_LABELS, field).unwrap_or("Thông tin"),
        Lang::En => lookup(EN_LABELS, field).unwrap_or("Field"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn keys(t: &[(&'static str, &str)]) -> BTreeSet<&'static str> {
        let set: BTreeSet<_> = t.iter().map(|(k, _)| *k).collect();
        assert_eq!(set.len(), t.len(), "duplicate key");
        set
    }

    #[test]
    fn languages_cover_the_same_codes() {
        assert_eq!(keys(VI), keys(EN));
        assert_eq!(keys(VI_LABELS), keys(EN_LABELS));
        for (_, text) in VI.iter().chain(EN).chain(VI_LABELS).chain(EN_LABELS) {
            assert!(!text.trim().is_empty());
        }
    }

    #[test]
    fn every_protocol_and_domain_code_has_a_message() {
        let protocol = [
            "unknown_unit",
            "bad_request",
            "invalid_fields",
            "consent_required",
            "phone_taken",
            "cccd_taken",
            "not_found",
            "unauthorized",
            "login_failed",
            "payload_too_large",
            "internal",
            "rate_limited",
            "malformed",
            "too_large",
            "binary_not_supported",
            "round_not_open",
            "attempt_limit",
            "deadline_passed",
            "already_submitted",
            "invalid_question",
            "invalid_option",
            "prediction_required",
            "invalid_prediction",
            "seq_invalid",
            "id_invalid",
            "unavailable",
            "pow_required",
        ];
        let wanted: BTreeSet<&str> = crate::domain::FIELD_CODES.into_iter().chain(protocol).collect();
        let missing: Vec<&&str> = wanted.iter().filter(|c| !keys(VI).contains(**c)).collect();
        assert!(missing.is_empty(), "codes without a message: {missing:?}");
        for field in ["full_name", "dob", "sex", "phone", "cccd", "commune_code", "unit_code", "consent"] {
            assert!(lookup(VI_LABELS, field).is_some(), "{field}");
        }
    }

    #[test]
    fn lookups() {
        assert_eq!(message("cccd_taken", Lang::Vi), "Số CCCD này đã được đăng ký trong cuộc thi.");
        assert_eq!(message("phone_taken", Lang::En), "This phone number is already registered for this contest.");
        assert_eq!(message("no_such_code", Lang::Vi), "Đã có lỗi xảy ra. Vui lòng thử lại.");
        assert_eq!(field_label("dob", Lang::Vi), "Ngày sinh");
        assert_eq!(field_label("dob", Lang::En), "Date of birth");
        assert_eq!(field_label("x", Lang::En), "Field");
    }

    #[test]
    fn accept_language() {
        let l = |h| Lang::from_accept_language(h);
        assert_eq!(l(None), Lang::Vi);
        assert_eq!(l(Some("")), Lang::Vi);
        assert_eq!(l(Some("en")), Lang::En);
        assert_eq!(l(Some("en-US,en;q=0.9")), Lang::En);
        assert_eq!(l(Some("EN-gb")), Lang::En);
        assert_eq!(l(Some("vi-VN,vi;q=0.9,en-US;q=0.8,en;q=0.7")), Lang::Vi);
        assert_eq!(l(Some("fr-FR,fr;q=0.9,en;q=0.5")), Lang::En);
        assert_eq!(l(Some("vi;q=0.5, en;q=0.8")), Lang::En);
        assert_eq!(l(Some("en;q=0, vi")), Lang::Vi);
        assert_eq!(l(Some("en;q=0")), Lang::Vi);
        assert_eq!(l(Some("*")), Lang::Vi);
        assert_eq!(l(Some("en;q=abc")), Lang::En);
    }
}
