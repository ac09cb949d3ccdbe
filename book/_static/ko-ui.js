/* Korean labels for what sphinx-copybutton and sphinx-togglebutton write in JavaScript,
   and a click on a chapter figure opens the image full size. Loaded after both extensions
   (ko_ui.py gives it a later priority). */

// sphinx-copybutton has no Korean messages; its `messages` and `locale` are global bindings,
// read when it adds the buttons after the page is parsed.
if (typeof messages !== "undefined") {
  messages.ko = {
    copy: "복사",
    copy_to_clipboard: "클립보드에 복사",
    copy_success: "복사했습니다",
    copy_failure: "복사하지 못했습니다",
  };
  locale = "ko";
}

window.addEventListener("load", function () {
  // sphinx-copybutton draws its icon's <title> when it loads, before the Korean messages exist.
  if (typeof messages !== "undefined") {
    document.querySelectorAll(".copybtn svg title").forEach(function (title) {
      title.textContent = messages.ko.copy_to_clipboard;
    });
  }
  // sphinx-togglebutton writes an English aria-label into each button it adds.
  document.querySelectorAll("button.toggle-button").forEach(function (button) {
    button.setAttribute("aria-label", "숨긴 내용 열고 닫기");
  });
});

document.addEventListener("DOMContentLoaded", function () {
  // Figures are drawn at 2x and shrunk into the column: the image file itself is the full size.
  document.querySelectorAll(".cell_output img").forEach(function (img) {
    if (img.closest("a")) return;
    var link = document.createElement("a");
    link.href = img.getAttribute("src");
    link.className = "figure-zoom";
    link.title = "그림을 원래 크기로 보기";
    img.parentNode.insertBefore(link, img);
    link.appendChild(img);
  });
});
