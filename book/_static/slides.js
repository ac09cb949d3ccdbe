// Slide decks: a slide whose content is taller than the deck is shrunk to fit, like a
// presentation program's autofit, but never below MIN_SCALE: text must stay readable, so
// a slide that would need more is a slide to split (the tests measure what is left).
(function () {
  const MIN_SCALE = 0.75;

  function leafSlides() {
    return Reveal.getSlides().filter((s) => !s.querySelector("section"));
  }

  function wrap(slide) {
    if (slide.firstElementChild && slide.firstElementChild.classList.contains("mlbook-fit")) {
      return slide.firstElementChild;
    }
    const box = document.createElement("div");
    box.className = "mlbook-fit";
    while (slide.firstChild) box.appendChild(slide.firstChild);
    slide.appendChild(box);
    return box;
  }

  function fit(slide) {
    if (!slide || slide.querySelector("section")) return;
    const box = wrap(slide);
    box.style.transform = "";
    box.style.width = "";
    const height = Reveal.getConfig().height;
    const scale = box.scrollHeight > height ? Math.max(MIN_SCALE, height / box.scrollHeight) : 1;
    if (scale < 1) {
      box.style.transformOrigin = "top left";
      box.style.transform = `scale(${scale})`;
      box.style.width = `${100 / scale}%`;
    }
    slide.dataset.fitScale = String(scale);
    slide.dataset.fitHeight = String(box.scrollHeight * scale);
  }

  function start() {
    leafSlides().forEach(wrap);
    fit(Reveal.getCurrentSlide());
    Reveal.on("slidechanged", (event) => fit(event.currentSlide));
  }

  // This file loads in the page head, before reveal.js itself.
  document.addEventListener("DOMContentLoaded", () => {
    if (Reveal.isReady()) start();
    else Reveal.on("ready", start);
  });
})();
