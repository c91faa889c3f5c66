// One helper for every blocking Aravis call: `exec` runs on a libuv worker thread (GVCP round trips, discovery,
// waiting for a buffer), `done` turns its result into a JS value on the JS thread. A thrown std::exception in
// `exec` (e.g. an Aravis GError) rejects the promise with its message, so a driver error never takes the station down.
#pragma once
#include <napi.h>

#include <functional>
#include <stdexcept>
#include <string>

namespace genicam {

// An error carrying the library's (or the camera's) own text, plus a machine-readable code.
struct ArvError : std::runtime_error {
  std::string code;
  ArvError(std::string c, const std::string& m) : std::runtime_error(m), code(std::move(c)) {}
};

class Task : public Napi::AsyncWorker {
 public:
  Task(Napi::Env env, std::function<void()> exec, std::function<Napi::Value(Napi::Env)> done)
      : Napi::AsyncWorker(env), deferred_(Napi::Promise::Deferred::New(env)), exec_(std::move(exec)), done_(std::move(done)) {}

  Napi::Promise Promise() { return deferred_.Promise(); }

  void Execute() override {
    try {
      exec_();
    } catch (const ArvError& e) {
      code_ = e.code;
      SetError(e.what());
    } catch (const std::exception& e) {
      code_ = "driver";
      SetError(e.what());
    }
  }
  void OnOK() override {
    Napi::Env env = Env();
    try {
      deferred_.Resolve(done_(env));
    } catch (const Napi::Error& e) {
      deferred_.Reject(e.Value());
    } catch (const std::exception& e) {
      deferred_.Reject(Napi::Error::New(env, e.what()).Value());
    }
  }
  void OnError(const Napi::Error& e) override {
    Napi::Object err = e.Value();
    err.Set("code", Napi::String::New(Env(), code_.empty() ? "driver" : code_));
    deferred_.Reject(err);
  }

  // A task that completes after its environment is gone (a worker thread terminated while a pull was waiting)
  // has no promise left to settle: swallow what the dead environment throws instead of aborting the process.
  void OnWorkComplete(Napi::Env env, napi_status status) override {
    try {
      Napi::AsyncWorker::OnWorkComplete(env, status);
    } catch (...) {
    }
  }

  static Napi::Promise Run(Napi::Env env, std::function<void()> exec, std::function<Napi::Value(Napi::Env)> done) {
    auto* t = new Task(env, std::move(exec), std::move(done));
    Napi::Promise p = t->Promise();
    t->Queue();
    return p;
  }

 private:
  Napi::Promise::Deferred deferred_;
  std::function<void()> exec_;
  std::function<Napi::Value(Napi::Env)> done_;
  std::string code_;
};

}  // namespace genicam
