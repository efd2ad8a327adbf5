"""A screen's service call runs in a thread worker and its outcome comes back as a typed message (ServiceDone,
ServiceFailed), handled on the UI thread; a call replaced by a newer exclusive one posts nothing."""

from __future__ import annotations

import threading

from textual.app import App

from counter.domain.errors import CounterError
from counter.screens.base import ServiceCalls, ServiceScreen


class Probe(ServiceScreen):
    def __init__(self) -> None:
        super().__init__()
        self.messages: list[ServiceCalls.ServiceDone | ServiceCalls.ServiceFailed] = []
        self.ui_thread = threading.get_ident()
        self.handled_on: list[int] = []

    def on_service_calls_service_done(self, message: ServiceCalls.ServiceDone) -> None:
        self.messages.append(message)  # Textual then runs the base class's handler too (it walks the MRO)

    def on_service_calls_service_failed(self, message: ServiceCalls.ServiceFailed) -> None:
        self.messages.append(message)


class ProbeApp(App):
    def on_mount(self) -> None:
        self.push_screen(Probe())


async def test_outcomes_arrive_as_typed_messages_on_the_ui_thread():
    app = ProbeApp()
    async with app.run_test() as pilot:
        screen = app.screen
        assert isinstance(screen, Probe)
        results: list[object] = []
        failures: list[str] = []
        release = threading.Event()

        def slow() -> str:
            release.wait(5)
            return "cũ"

        def on_done(value: object) -> None:
            screen.handled_on.append(threading.get_ident())
            results.append(value)

        screen.call_service(slow, on_done, group="tra-cuu", exclusive=True)
        screen.call_service(lambda: "mới", on_done, group="tra-cuu", exclusive=True)  # replaces the slow one
        screen.call_service(lambda: (_ for _ in ()).throw(CounterError("Không tìm thấy hồ sơ.")), on_done,
                            failures.append)
        release.set()
        for _ in range(100):
            await pilot.pause(0.02)
            if results and failures and all(w.is_finished for w in app.workers):
                break
        await pilot.pause(0.05)
        assert results == ["mới"] and failures == ["Không tìm thấy hồ sơ."]
        kinds = sorted(type(m).__name__ for m in screen.messages)
        assert kinds == ["ServiceDone", "ServiceFailed"]  # nothing from the replaced call
        assert screen.handled_on == [screen.ui_thread]
