<script>
// Fold the sidebar once per browser tab when the window is narrow (under 1024 px): at 800 px an open sidebar
// leaves the page a 500 px column. Streamlit folds it by itself only under 768 px. The reader can open it again
// (the arrow at the top left), and later pages leave it as the reader set it.
(() => {
  const KEY = "latent-lab-sidebar-folded";
  if (window.innerWidth >= 1024 || sessionStorage.getItem(KEY)) return;
  sessionStorage.setItem(KEY, "1");
  let tries = 0;
  const fold = () => {
    const sidebar = document.querySelector('section[data-testid="stSidebar"]');
    const button = document.querySelector('[data-testid="stSidebarCollapseButton"] button');
    if (sidebar && button) {
      if (sidebar.getAttribute("data-collapsed") === "false") button.click();
    } else if (++tries < 50) {
      setTimeout(fold, 100);
    }
  };
  fold();
})();
</script>
