// @ts-check
// Every string the player shows. Vietnamese is the default and lives here; English is in
// i18n-en.js, fetched only when chosen. Elements with data-t="key" get their text from here,
// data-ta="key" their aria-label.

export const vi = {
	skip: 'Đến nội dung chính', net: 'Mất kết nối — đang kết nối lại…', timer_label: 'Còn lại', lang_other: 'English',
	title: 'Thi trực tuyến tìm hiểu pháp luật', boot: 'Đang tải…', noscript: 'Trang thi cần bật JavaScript.',
	home: 'Đường dẫn này không dẫn tới cuộc thi nào. Hãy mở đường dẫn do Ban Tổ chức gửi, hoặc xem ', home_link: 'cuộc thi mẫu',
	info_h: 'Thời gian thi', rules_h: 'Thể lệ cuộc thi', prizes_h: 'Giải thưởng', join: 'Tham gia dự thi',
	login_summary: 'Đã đăng ký? Đăng nhập', f_phone: 'Số điện thoại', f_dob: 'Ngày sinh', login_go: 'Đăng nhập',
	reg_h: 'Đăng ký dự thi', reg_hint: 'Mục có dấu * là bắt buộc.', f_name: 'Họ và tên *', f_dob_req: 'Ngày sinh *',
	f_sex: 'Giới tính *', choose: '— Chọn —', male: 'Nam', female: 'Nữ', f_phone_req: 'Số điện thoại *',
	h_phone: 'Số di động 10 chữ số, ví dụ 0912345678.', f_occ: 'Nghề nghiệp', f_cccd: 'Số CCCD', cccd_opt: '(không bắt buộc)',
	f_province: 'Tỉnh, thành phố nơi cư trú *', f_commune: 'Xã, phường, đặc khu *', h_commune: 'Gõ tên (có thể không dấu) rồi chọn trong danh sách.',
	f_unit: 'Đơn vị dự thi *', consent_h: 'Đồng ý xử lý dữ liệu cá nhân *',
	consent_chk: 'Tôi đã đọc và đồng ý với việc xử lý dữ liệu cá nhân như trên.', reg_go: 'Đăng ký',
	lobby_h: 'Làm bài thi', hello: 'Xin chào', logout: 'Đăng xuất', start: 'Bắt đầu làm bài', quiz_label: 'Bài thi',
	multi: 'Có thể chọn nhiều phương án.', prev: '‹ Câu trước', next: 'Câu sau ›', grid_label: 'Danh sách câu hỏi',
	submit: 'Nộp bài', c_h: 'Nộp bài?', c_no: 'Làm tiếp', r_h: 'Kết quả lượt thi', r_correct: 'Số câu đúng',
	r_time: 'Thời gian làm bài', r_left: 'Số lượt còn lại', r_auto: 'Hệ thống đã tự động nộp bài khi hết giờ với các câu đã lưu.',
	again: 'Làm lượt mới', my_h: 'Các lượt thi của tôi', review_h: 'Đáp án và giải thích', share_h: 'Mời bạn bè cùng thi',
	share_hint: 'Người đăng ký qua đường dẫn này được tính cho giải “Lan tỏa” của bạn.', share_label: 'Đường dẫn của bạn',
	share_go: 'Chia sẻ', share_copied: 'Đã sao chép đường dẫn.', share_failed: 'Không sao chép được. Hãy giữ ngón tay trên đường dẫn (đã được chọn) để tự sao chép.',
	share_done: 'Đã mở bảng chia sẻ.',
	offline: 'Không kết nối được máy chủ. Vui lòng kiểm tra mạng và thử lại.', open_now: ' (đang mở)', day: 'ngày',
	window: '{0}: từ {1} đến {2}', cd_close: '{0} đang mở, còn {1} ngày {2}.', cd_open: '{0} mở sau {1} ngày {2}.',
	ended: 'Cuộc thi đã kết thúc.', prize_item: '{0}: {1} giải', round_box: '{0}: {1} câu hỏi, {2} phút mỗi lượt.',
	left_n: ' Bạn còn {0} lượt.', not_yet: 'Chưa đến giờ thi. {0} mở lúc {1}.', pick_one: 'Chọn một trong các kết quả:',
	no_match: 'Không tìm thấy xã, phường nào khớp.', confirm_logout: 'Bạn đang làm bài dở. Vẫn đăng xuất khỏi thiết bị này?',
	q_h: 'Câu {0}/{1}', grid_done: 'Câu {0}, đã trả lời', grid_todo: 'Câu {0}, chưa trả lời', grid_wait: ', chưa lưu', saving: 'Đang lưu…',
	unsaved: 'Chưa lưu — chờ kết nối', saved: 'Đã lưu', minutes_left: 'Còn {0} phút.', timeup: 'Hết giờ',
	timeup_tell: 'Hết giờ làm bài.', timeup_saved: 'Hết giờ — đang lấy kết quả…',
	pred_bad: 'Vui lòng nhập số dự đoán là số nguyên từ 0 đến 1.000.000.000.', pred_q: 'Câu hỏi dự đoán: {0}',
	missing: 'Bạn còn {0} câu chưa trả lời: câu {1}.', all_done: 'Bạn đã trả lời tất cả các câu.',
	no_edit: ' Sau khi nộp sẽ không sửa được.', submitting: 'Đang nộp bài…',
	submit_later: 'Chưa có kết nối: bài sẽ được nộp ngay khi kết nối lại.', unlimited: 'Không giới hạn',
	creating: 'Đang tạo bài thi…', error: 'Đã có lỗi xảy ra. Vui lòng thử lại.', attempt_item: 'Lượt {0} — bắt đầu {1}, {2}',
	st_open: 'đang làm', st_submitted: 'đã nộp', review_btn: 'Xem đáp án lượt {0}',
	not_revealed: 'Đáp án sẽ được công bố sau khi vòng thi kết thúc.', not_revealed_at: 'Đáp án sẽ được công bố lúc {0}.',
	rv_q: 'Câu {0}. {1}', rv_right: ' — đáp án đúng', rv_chosen: ' — bạn chọn', rv_ok: 'Trả lời đúng',
	rv_wrong: 'Trả lời chưa đúng', rv_expl: 'Giải thích: ', rv_law: 'Căn cứ: {0}, {1}',
	sv_h: 'Góp ý về cuộc thi', sv_hint: 'Không bắt buộc. Ý kiến được lưu ẩn danh, không kèm tên hay số điện thoại.',
	sv_q: 'Bạn hài lòng với cuộc thi ở mức nào?', sv_1: '1 — Rất không hài lòng', sv_2: '2 — Không hài lòng',
	sv_3: '3 — Bình thường', sv_4: '4 — Hài lòng', sv_5: '5 — Rất hài lòng', sv_c: 'Ý kiến khác (không bắt buộc)',
	sv_skip: 'Bỏ qua', sv_go: 'Gửi đánh giá', sv_pick: 'Vui lòng chọn một mức từ 1 đến 5.', sv_thanks: 'Cảm ơn bạn đã góp ý!',
	md_h: 'Dữ liệu cá nhân của tôi', md_hint: 'Theo Luật Bảo vệ dữ liệu cá nhân, bạn có quyền xem và tải về mọi dữ liệu cuộc thi lưu về bạn.',
	md_get: 'Tải về dữ liệu của tôi', md_loading: 'Đang lấy dữ liệu…', md_ready: 'Đã tải về tệp dữ liệu (nội dung hiển thị bên trên).',
	md_erase_hint: 'Xóa dữ liệu cá nhân: họ tên, số điện thoại, CCCD và ngày, tháng sinh bị xóa ngay và không khôi phục được; kết quả thi được giữ lại ở dạng ẩn danh để thứ hạng của người khác không thay đổi. Bạn sẽ không đăng nhập lại được bằng tài khoản này.',
	md_ok: 'Tôi hiểu việc xóa là vĩnh viễn.', md_erase: 'Xóa dữ liệu cá nhân của tôi',
	md_confirm_first: 'Vui lòng đánh dấu xác nhận trước khi xóa.', md_erasing: 'Đang xóa…',
	md_erased: 'Dữ liệu cá nhân của bạn đã được xóa.', results_link: 'Danh sách đoạt giải và thống kê',
};
/** @typedef {keyof typeof vi} Key */

/** @type {Record<string, string>} */
let cat = vi;
export let lang = 'vi';

/** The string for `k`, with {0}, {1}… replaced. @param {Key} k @param {...(string | number)} a */
export function t(k, ...a) {
	return (cat[k] == null ? vi[k] : cat[k]).replace(/\{(\d)\}/g, (_, i) => String(a[+i]));
}

/** The server's message in an error envelope (already in our language), else "offline". @param {any} d */
export const errMsg = (d) => (d && d.error && d.error.message) || t('offline');

/** @param {ParentNode} [root] */
export function applyDom(root = document) {
	for (const e of root.querySelectorAll('[data-t]')) e.textContent = t(/** @type {Key} */ (/** @type {HTMLElement} */ (e).dataset.t));
	for (const e of root.querySelectorAll('[data-ta]')) e.setAttribute('aria-label', t(/** @type {Key} */ (/** @type {HTMLElement} */ (e).dataset.ta)));
}

/** @param {string} l 'vi' or 'en' */
export async function setLang(l) {
	cat = l === 'en' ? (await import('./i18n-en.js')).en : vi;
	lang = l === 'en' ? 'en' : 'vi';
	document.documentElement.lang = lang;
	applyDom();
}
