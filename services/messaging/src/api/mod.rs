//! gRPC handlers: authenticate, decode and validate, call the use case, encode. No rules
//! live here; errors map to gRPC through the platform's one `From<ServiceError> for Status`.
//! The service trait's methods hand over to one module per part of the desk: stays and
//! lookups, messages and lamps, mail and outgoing post, shifts.

pub mod convert;
mod mail;
mod messages;
mod shifts;
mod stays;
pub mod validate;

use crate::commands::{Error, Messaging};
use frontdesk_platform::auth::{Caller, Role};
use frontdesk_platform::error::Violations;
use frontdesk_platform::shutdown::Shutdown;
use frontdesk_proto::messaging::v1::{self as pb, messaging_service_server::MessagingService};
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Request, Response, Status};
use validate::id;

pub const MAX_SYNC: usize = 2_000;
pub const MAX_SIGNATURE_BYTES: usize = 256 * 1024;

const LOOKUP_STAFF: &[Role] = &[Role::Agent, Role::Supervisor, Role::Manager];

pub struct MessagingApi {
    desk: Messaging,
    shutdown: Shutdown,
}

impl MessagingApi {
    pub fn new(desk: Messaging, shutdown: Shutdown) -> Self {
        MessagingApi { desk, shutdown }
    }
}

type Res<T> = Result<Response<T>, Status>;

fn ok<T>(t: T) -> Res<T> {
    Ok(Response::new(t))
}

fn property(caller: &Caller, field_value: &str, v: &mut Violations) -> Result<String, Status> {
    let p = id("property_id", field_value, v);
    if !p.is_empty() {
        caller.require_access(&p)?;
    }
    Ok(p)
}

fn err(e: Error) -> Status {
    e.into()
}

pub type WatchLampsStream = ReceiverStream<Result<pb::WatchLampsResponse, Status>>;

#[tonic::async_trait]
impl MessagingService for MessagingApi {
    type WatchLampsStream = WatchLampsStream;

    async fn sync_stays(&self, req: Request<pb::SyncStaysRequest>) -> Res<pb::SyncStaysResponse> {
        stays::sync_stays(self, req).await
    }

    async fn check_in(&self, req: Request<pb::CheckInRequest>) -> Res<pb::CheckInResponse> {
        stays::check_in(self, req).await
    }

    async fn check_out(&self, req: Request<pb::CheckOutRequest>) -> Res<pb::CheckOutResponse> {
        stays::check_out(self, req).await
    }

    async fn room_move(&self, req: Request<pb::RoomMoveRequest>) -> Res<pb::RoomMoveResponse> {
        stays::room_move(self, req).await
    }

    async fn cancel_stay(
        &self,
        req: Request<pb::CancelStayRequest>,
    ) -> Res<pb::CancelStayResponse> {
        stays::cancel_stay(self, req).await
    }

    async fn get_stay(&self, req: Request<pb::GetStayRequest>) -> Res<pb::GetStayResponse> {
        stays::get_stay(self, req).await
    }

    async fn locate_guest(
        &self,
        req: Request<pb::LocateGuestRequest>,
    ) -> Res<pb::LocateGuestResponse> {
        stays::locate_guest(self, req).await
    }

    async fn list_guest_lookups(
        &self,
        req: Request<pb::ListGuestLookupsRequest>,
    ) -> Res<pb::ListGuestLookupsResponse> {
        stays::list_guest_lookups(self, req).await
    }

    async fn leave_message(
        &self,
        req: Request<pb::LeaveMessageRequest>,
    ) -> Res<pb::LeaveMessageResponse> {
        messages::leave_message(self, req).await
    }

    async fn complete_delivery_task(
        &self,
        req: Request<pb::CompleteDeliveryTaskRequest>,
    ) -> Res<pb::CompleteDeliveryTaskResponse> {
        messages::complete_delivery_task(self, req).await
    }

    async fn mark_message_read(
        &self,
        req: Request<pb::MarkMessageReadRequest>,
    ) -> Res<pb::MarkMessageReadResponse> {
        messages::mark_message_read(self, req).await
    }

    async fn leave_message_for_visitor(
        &self,
        req: Request<pb::LeaveMessageForVisitorRequest>,
    ) -> Res<pb::LeaveMessageForVisitorResponse> {
        messages::leave_message_for_visitor(self, req).await
    }

    async fn collect_visitor_message(
        &self,
        req: Request<pb::CollectVisitorMessageRequest>,
    ) -> Res<pb::CollectVisitorMessageResponse> {
        messages::collect_visitor_message(self, req).await
    }

    async fn get_message(
        &self,
        req: Request<pb::GetMessageRequest>,
    ) -> Res<pb::GetMessageResponse> {
        messages::get_message(self, req).await
    }

    async fn list_lit_lamps(
        &self,
        req: Request<pb::ListLitLampsRequest>,
    ) -> Res<pb::ListLitLampsResponse> {
        messages::list_lit_lamps(self, req).await
    }

    async fn watch_lamps(
        &self,
        req: Request<pb::WatchLampsRequest>,
    ) -> Res<Self::WatchLampsStream> {
        messages::watch_lamps(self, req).await
    }

    async fn register_mail_item(
        &self,
        req: Request<pb::RegisterMailItemRequest>,
    ) -> Res<pb::RegisterMailItemResponse> {
        mail::register_mail_item(self, req).await
    }

    async fn record_mail_call(
        &self,
        req: Request<pb::RecordMailCallRequest>,
    ) -> Res<pb::RecordMailCallResponse> {
        mail::record_mail_call(self, req).await
    }

    async fn deliver_mail_item(
        &self,
        req: Request<pb::DeliverMailItemRequest>,
    ) -> Res<pb::DeliverMailItemResponse> {
        mail::deliver_mail_item(self, req).await
    }

    async fn forward_mail_item(
        &self,
        req: Request<pb::ForwardMailItemRequest>,
    ) -> Res<pb::ForwardMailItemResponse> {
        mail::forward_mail_item(self, req).await
    }

    async fn return_mail_item(
        &self,
        req: Request<pb::ReturnMailItemRequest>,
    ) -> Res<pb::ReturnMailItemResponse> {
        mail::return_mail_item(self, req).await
    }

    async fn get_mail_item(
        &self,
        req: Request<pb::GetMailItemRequest>,
    ) -> Res<pb::GetMailItemResponse> {
        mail::get_mail_item(self, req).await
    }

    async fn list_mail_items(
        &self,
        req: Request<pb::ListMailItemsRequest>,
    ) -> Res<pb::ListMailItemsResponse> {
        mail::list_mail_items(self, req).await
    }

    async fn register_outgoing_post(
        &self,
        req: Request<pb::RegisterOutgoingPostRequest>,
    ) -> Res<pb::RegisterOutgoingPostResponse> {
        mail::register_outgoing_post(self, req).await
    }

    async fn list_outgoing_post(
        &self,
        req: Request<pb::ListOutgoingPostRequest>,
    ) -> Res<pb::ListOutgoingPostResponse> {
        mail::list_outgoing_post(self, req).await
    }

    async fn open_shift(&self, req: Request<pb::OpenShiftRequest>) -> Res<pb::OpenShiftResponse> {
        shifts::open_shift(self, req).await
    }

    async fn close_shift(
        &self,
        req: Request<pb::CloseShiftRequest>,
    ) -> Res<pb::CloseShiftResponse> {
        shifts::close_shift(self, req).await
    }

    async fn acknowledge_handover(
        &self,
        req: Request<pb::AcknowledgeHandoverRequest>,
    ) -> Res<pb::AcknowledgeHandoverResponse> {
        shifts::acknowledge_handover(self, req).await
    }

    async fn get_handover(
        &self,
        req: Request<pb::GetHandoverRequest>,
    ) -> Res<pb::GetHandoverResponse> {
        shifts::get_handover(self, req).await
    }

    async fn erase_guest(
        &self,
        req: Request<pb::EraseGuestRequest>,
    ) -> Res<pb::EraseGuestResponse> {
        stays::erase_guest(self, req).await
    }
}
