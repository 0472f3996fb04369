// Tesoro Connect, embedded: <script src="https://tesoro.example/connect/embed.js"></script>, then
//   TesoroConnect.open({ url, mode: 'iframe' | 'popup', onSuccess(code, metadata), onExit(error, metadata), onEvent(name, metadata) })
// with the `url` of a Connect session. Messages are accepted only from Tesoro's origin and only in
// the page's own format; the page sends them only to the origin of the session's redirect_uri.
(() => {
  function open(options) {
    const url = new URL(options.url);
    url.searchParams.set('embed', '1');
    const origin = url.origin;
    let overlay = null;
    let popup = null;

    function close() {
      window.removeEventListener('message', onMessage);
      if (overlay) overlay.remove();
      if (popup && !popup.closed) popup.close();
    }

    function onMessage(event) {
      if (event.origin !== origin) return;
      const data = event.data;
      if (data?.source !== 'tesoro-connect') return;
      if (data.type === 'event') options.onEvent?.(data.name, data.metadata || {});
      else if (data.type === 'success') {
        close();
        options.onSuccess?.(data.code, data.metadata || {});
      } else if (data.type === 'exit') {
        close();
        options.onExit?.(data.error || null, data.metadata || {});
      }
    }

    window.addEventListener('message', onMessage);
    if (options.mode === 'popup') {
      popup = window.open(url.toString(), 'tesoro-connect', 'width=440,height=720');
    } else {
      overlay = document.createElement('div');
      Object.assign(overlay.style, {
        position: 'fixed',
        inset: '0',
        background: 'rgb(0 0 0 / 0.45)',
        display: 'flex',
        alignItems: 'center',
        justifyContent: 'center',
        zIndex: '2147483647',
      });
      const frame = document.createElement('iframe');
      frame.src = url.toString();
      frame.title = 'Connect your accounts';
      Object.assign(frame.style, {
        width: 'min(460px, 100vw)',
        height: 'min(760px, 100vh)',
        border: '0',
        borderRadius: '14px',
      });
      overlay.append(frame);
      document.body.append(overlay);
    }
    return { close };
  }

  window.TesoroConnect = { open };
})();
