/* Korean labels for what sphinx-copybutton and sphinx-togglebutton write in JavaScript.
   Loaded after both extensions (ko_ui.py gives it a later priority). */

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
